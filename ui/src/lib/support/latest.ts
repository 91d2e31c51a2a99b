/**
 * Numbered loads: a view reloads on every event and every timer tick, and answers may come back
 * out of order. Each load takes a number; an answer (or a failure) is applied only when no newer
 * load began since, so a stale answer never overwrites a fresh one.
 */
import { toIpcFailure, type IpcFailure } from '../ipc';

export class Latest {
  private last = 0;

  /** Starts a load; `apply` or `failed` runs only if it is still the newest when it ends. */
  async run<T>(
    load: () => Promise<T>,
    apply: (value: T) => void,
    failed: (failure: IpcFailure) => void,
  ): Promise<void> {
    const mine = ++this.last;
    try {
      const value = await load();
      if (mine === this.last) apply(value);
    } catch (reason) {
      if (mine === this.last) failed(toIpcFailure(reason));
    }
  }

  /** Makes every load in flight stale (an answer from an action supersedes them). */
  invalidate(): void {
    this.last += 1;
  }
}
