/**
 * The checklist reminder's click: the backend sends `open-checklist` when the user clicks the
 * daily reminder, and the app shows the Checklist screen.
 */
import { onOpenChecklist } from '../ipc';
import { router } from '../router.svelte';

/** Follows `open-checklist` events; returns a function that stops. */
export function followReminderClicks(): () => void {
  let stop: (() => void) | null = null;
  let stopped = false;
  onOpenChecklist(() => router.go('checklist'))
    .then((s) => {
      if (stopped) s();
      else stop = s;
    })
    .catch(() => {
      // No live events (e.g. no backend): nothing to follow.
    });
  return () => {
    stopped = true;
    stop?.();
  };
}
