/**
 * The threat feed's status as the backend last reported it, shared by Home, the Check screen's
 * verdict line, the sidebar's unread badge and the Threats screen. The backend is the source of
 * truth: a command's answer or a `feed-changed` event replaces the status; `feed-progress`
 * events show a running sync; `open-threats` (a clicked alert or tray item) shows the Threats
 * screen. Ages are recomputed by reloading every minute.
 */
import {
  feedStatus,
  follow,
  onFeedChanged,
  onFeedProgress,
  onOpenThreats,
  syncNow,
  toIpcFailure,
} from '../ipc';
import type { FeedProgress, FeedStatus, IpcFailure, Unsubscribe } from '../ipc';
import { router } from '../router.svelte';

const REFRESH_MS = 60_000;

class FeedState {
  status = $state<FeedStatus | null>(null);
  loadError = $state<IpcFailure | null>(null);
  /** The running sync's progress (this window's "Sync now" or the background schedule). */
  progress = $state<FeedProgress | null>(null);
  /** Whether this window asked for a sync that has not answered yet. */
  syncing = $state(false);
  syncError = $state<IpcFailure | null>(null);
  /** Set when a "Sync now" from this window finished without error. */
  synced = $state(false);

  apply(status: FeedStatus): void {
    this.status = status;
    this.loadError = null;
    this.progress = status.syncing;
  }

  /** The unread count after the user saw threats (the backend's answer to marking them read). */
  setUnread(unread: number): void {
    if (this.status) this.status = { ...this.status, unread };
  }

  async load(): Promise<void> {
    try {
      this.apply(await feedStatus());
    } catch (reason) {
      this.loadError = toIpcFailure(reason);
    }
  }

  /** Loads once if nothing is known yet (screens that need the status call this). */
  ensureLoaded(): void {
    if (!this.status && !this.loadError) void this.load();
  }

  async syncNow(): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    this.synced = false;
    this.syncError = null;
    try {
      this.apply(await syncNow());
      this.synced = true;
    } catch (reason) {
      this.syncError = toIpcFailure(reason);
      await this.load();
    } finally {
      this.syncing = false;
      this.progress = null;
    }
  }

  /** Loads the status and follows the backend's events; returns a function that stops. */
  connect(): () => void {
    // Without live updates (e.g. no backend) the screens still load on demand.
    const stops: Unsubscribe[] = [
      follow(onFeedChanged((s) => this.apply(s))),
      follow(
        onFeedProgress((p) => {
          this.progress = p.stage === 'done' ? null : p;
        }),
      ),
      follow(onOpenThreats(() => router.go('threats'))),
    ];
    void this.load();
    const timer = setInterval(() => void this.load(), REFRESH_MS);
    return () => {
      clearInterval(timer);
      for (const stop of stops) stop();
    };
  }

  /** Forgets everything (tests). */
  reset(): void {
    this.status = null;
    this.loadError = null;
    this.progress = null;
    this.syncing = false;
    this.syncError = null;
    this.synced = false;
  }
}

export const feed = new FeedState();
