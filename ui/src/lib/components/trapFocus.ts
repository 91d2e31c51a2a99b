/**
 * A modal dialog's focus rules, as a Svelte action on the dialog element: the focus starts on
 * `initial()` (or the dialog itself), Tab and Shift+Tab cycle the dialog's buttons, a click or a
 * script elsewhere cannot leave it behind the dialog, Escape calls `onEscape` when given, and
 * once the dialog goes the focus returns where it was.
 */
export interface TrapFocus {
  /** Where the focus starts and returns to while the dialog is open (default: the dialog). */
  initial?: () => HTMLElement | undefined;
  /** What Escape does; without it Escape does nothing (a question that must be answered). */
  onEscape?: () => void;
}

export function trapFocus(
  dialog: HTMLElement,
  options: TrapFocus = {},
): { update: (next: TrapFocus) => void; destroy: () => void } {
  let { initial, onEscape } = options;
  const home = (): HTMLElement => initial?.() ?? dialog;
  const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;

  const keydown = (event: KeyboardEvent): void => {
    if (event.key === 'Escape' && onEscape) {
      event.preventDefault();
      onEscape();
      return;
    }
    if (event.key !== 'Tab') return;
    const all = [...dialog.querySelectorAll<HTMLElement>('button')];
    const first = all[0];
    const last = all[all.length - 1];
    if (!first || !last) return;
    const active = document.activeElement;
    const outside = !dialog.contains(active);
    if (event.shiftKey && (active === first || active === dialog || outside)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || outside)) {
      event.preventDefault();
      first.focus();
    }
  };
  const keep = (event: FocusEvent): void => {
    if (event.target instanceof Node && !dialog.contains(event.target)) home().focus();
  };

  dialog.addEventListener('keydown', keydown);
  document.addEventListener('focusin', keep);
  home().focus();
  return {
    update(next) {
      ({ initial, onEscape } = next);
    },
    destroy() {
      dialog.removeEventListener('keydown', keydown);
      document.removeEventListener('focusin', keep);
      if (before?.isConnected) before.focus();
    },
  };
}
