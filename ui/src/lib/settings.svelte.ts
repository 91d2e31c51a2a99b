/**
 * The user's settings as the backend last reported them. The backend is the source of truth: the UI
 * shows what a command returned or what a `settings-changed` event carried, never an optimistic guess.
 */
import { applyLanguage } from './i18n';
import { getSettings, onSettingsChanged, toIpcFailure } from './ipc';
import type { IpcFailure, Settings, Unsubscribe } from './ipc';

class SettingsState {
  current = $state<Settings | null>(null);
  loadError = $state<IpcFailure | null>(null);

  apply(settings: Settings): void {
    this.current = settings;
    this.loadError = null;
    applyLanguage(settings.language);
  }

  async load(): Promise<void> {
    this.loadError = null;
    try {
      this.apply(await getSettings());
    } catch (reason) {
      this.loadError = toIpcFailure(reason);
    }
  }

  /** Loads the settings and follows changes made elsewhere; returns a function that stops. */
  connect(): () => void {
    let unsubscribe: Unsubscribe | null = null;
    let stopped = false;
    onSettingsChanged((settings) => this.apply(settings))
      .then((stop) => {
        if (stopped) stop();
        else unsubscribe = stop;
      })
      .catch(() => {
        // No live updates (e.g. no backend): the Settings screen still loads and saves.
      });
    void this.load();
    return () => {
      stopped = true;
      unsubscribe?.();
    };
  }

  /** Forgets everything (tests). */
  reset(): void {
    this.current = null;
    this.loadError = null;
  }
}

export const settings = new SettingsState();
