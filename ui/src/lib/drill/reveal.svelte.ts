/**
 * The drill reveal, wherever the employee is: "This was a drill by your organisation". It opens
 * when the backend sends `drill-revealed` (a Check of the drill's number, an expiry noticed…) and
 * after any act on a lure in this window (the act's answer is the drill, done). The dialog itself
 * is drawn once, by the app's shell.
 */
import { drillGet, follow, onDrillRevealed, onOpenDrill, type DrillView } from '../ipc';
import { router } from '../router.svelte';

class Reveal {
  /** The drill revealed now; null: no reveal open. */
  drill = $state<DrillView | null>(null);

  /** Reveals `view` once it is decided (a drill still open has nothing to reveal). */
  show(view: DrillView): void {
    if (view.state !== 'done' || view.how === null) return;
    this.drill = view;
  }

  /** Reveals drill `id`, read from the backend (an unknown id reveals nothing). */
  async showId(id: string): Promise<void> {
    try {
      this.show(await drillGet(id));
    } catch {
      // An id this app does not know (or no backend): nothing to reveal.
    }
  }

  close(): void {
    this.drill = null;
  }
}

export const reveal = new Reveal();

/**
 * Follows the drill events: `drill-revealed` opens the reveal, `open-drill` (the lure's
 * notification clicked) shows the lure. Returns a function that stops.
 */
export function followDrills(): () => void {
  const stopReveal = follow(onDrillRevealed((id) => void reveal.showId(id)));
  const stopOpen = follow(onOpenDrill((id) => router.openDrill(id)));
  return () => {
    stopReveal();
    stopOpen();
  };
}
