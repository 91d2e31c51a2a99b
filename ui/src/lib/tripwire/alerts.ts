/**
 * A tripwire alert's click: the backend sends `open-support` when the user clicks an alert
 * (remote-access software, its installer, a copied one-time code), and the app shows the Support
 * screen with the official path.
 */
import { follow, onOpenSupport } from '../ipc';
import { router } from '../router.svelte';

/** Follows `open-support` events; returns a function that stops. */
export function followTripwireAlertClicks(): () => void {
  // Without live events (e.g. no backend) there is nothing to follow.
  return follow(onOpenSupport(() => router.go('support')));
}
