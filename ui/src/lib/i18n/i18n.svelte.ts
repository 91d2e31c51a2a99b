/**
 * A small typed i18n layer. `t()` reads the current language from rune state, so any template or
 * `$derived` that calls it re-renders when the language changes. A key missing from a language
 * falls back to English (the locale tests keep that from happening in a release).
 */
import type { Language } from '../ipc';
import { catalogues, type MessageKey } from './catalogue';
import { FALLBACK_LANGUAGE, directionOf } from './languages';

export type Params = Readonly<Record<string, string | number>>;

let current = $state<Language>(FALLBACK_LANGUAGE);

export function currentLanguage(): Language {
  return current;
}

/** Switches the UI language and sets `<html lang dir>` to match. */
export function applyLanguage(language: Language): void {
  current = language;
  if (typeof document !== 'undefined') {
    document.documentElement.lang = language;
    document.documentElement.dir = directionOf(language);
  }
}

/** Replaces each `{name}` with `params.name`; unknown placeholders are left as they are. */
export function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

/**
 * Looks up any key, including keys built at run time from backend codes (`verdict.${code}`).
 * Returns `undefined` when no language has it, so callers can choose a fallback.
 */
export function lookup(key: string, params?: Params): string | undefined {
  const template = catalogues[current][key] ?? catalogues[FALLBACK_LANGUAGE][key];
  return template === undefined ? undefined : interpolate(template, params);
}

/** The text of one of the UI's own keys in the current language. */
export function t(key: MessageKey, params?: Params): string {
  return lookup(key, params) ?? key;
}
