/**
 * The user's settings as the backend last reported them. The backend is the source of truth: the UI
 * shows what a command returned or what a `settings-changed` event carried, never an optimistic guess.
 */
import { applyLanguage } from './i18n';
import { follow, getSettings, onSettingsChanged, toIpcFailure } from './ipc';
import type { IpcFailure, Settings } from './ipc';

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
    // Without live updates (e.g. no backend) the Settings screen still loads and saves.
    const stop = follow(onSettingsChanged((settings) => this.apply(settings)));
    void this.load();
    return stop;
  }

  /** Forgets everything (tests). */
  reset(): void {
    this.current = null;
    this.loadError = null;
  }
}

export const settings = new SettingsState();
