import { lookup } from './i18n.svelte';

/** A code from the desk (a kind, a category) in words, or the code itself when it is new to us. */
export function word(prefix: string, code: string): string {
  return lookup(`${prefix}.${code}`) ?? code;
}

/**
 * Bidirectional controls (embeddings, overrides, isolates, marks) that hostile text can use to
 * look like something else ("\u202Egnp.exe" shows as "exe.png").
 */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/**
 * Hostile text (a reported item, an employee's note) made safe to show: still only ever text in
 * the DOM (Svelte escapes it), and with each bidi control shown as a visible `⟨U+202E⟩`.
 */
export function inert(text: string): string {
  return text.replace(
    BIDI_CONTROLS,
    (c) => `⟨U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}⟩`,
  );
}
