/**
 * The checklist reminder's click: the backend sends `open-checklist` when the user clicks the
 * daily reminder, and the app shows the Checklist screen.
 */
import { follow, onOpenChecklist } from '../ipc';
import { router } from '../router.svelte';

/** Follows `open-checklist` events; returns a function that stops. */
export function followReminderClicks(): () => void {
  // Without live events (e.g. no backend) there is nothing to follow.
  return follow(onOpenChecklist(() => router.go('checklist')));
}
