/**
 * A small typed i18n layer. `t()` reads the current language from rune state, so any template or
 * `$derived` that calls it re-renders when the language changes. A key missing from a language
 * falls back to English (the locale tests keep that from happening in a release).
 */
import type { Language } from '../ipc';
import { ENGLISH, fetchCatalogue, type MessageKey, type Messages } from './catalogue';
import { FALLBACK_LANGUAGE, directionOf } from './languages';

export type Params = Readonly<Record<string, string | number>>;

let current = $state<Language>(FALLBACK_LANGUAGE);
/** The catalogues loaded so far (English always). */
const loaded = $state<Partial<Record<Language, Messages>>>({ en: ENGLISH });
/** Loads under way, so that a language is fetched once however often it is asked for. */
const loading: Partial<Record<Language, Promise<void>>> = {};
/** The language last asked for: a slower load of an earlier choice must not win over it. */
let wanted: Language = FALLBACK_LANGUAGE;

export function currentLanguage(): Language {
  return current;
}

/**
 * Loads a language's catalogue if it is not loaded yet. Rejects if its chunk cannot be fetched
 * (the UI then stays in the language it shows).
 */
export function loadLanguage(language: Language): Promise<void> {
  if (loaded[language]) return Promise.resolve();
  let load = loading[language];
  if (!load) {
    load = fetchCatalogue(language).then(
      (messages) => {
        loaded[language] = messages;
        delete loading[language];
      },
      (reason: unknown) => {
        delete loading[language];
        throw reason;
      },
    );
    loading[language] = load;
  }
  return load;
}

function show(language: Language): void {
  current = language;
  if (typeof document !== 'undefined') {
    document.documentElement.lang = language;
    document.documentElement.dir = directionOf(language);
  }
}

/**
 * Switches the UI language and sets `<html lang dir>` to match: at once if its catalogue is
 * loaded, otherwise once it is (the page never mixes a direction with another language's text).
 */
export function applyLanguage(language: Language): void {
  wanted = language;
  if (loaded[language]) {
    show(language);
    return;
  }
  loadLanguage(language).then(
    () => {
      if (wanted === language) show(language);
    },
    (reason: unknown) => {
      console.error(`language ${language} could not be loaded`, reason);
    },
  );
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
  const template = loaded[current]?.[key] ?? ENGLISH[key];
  return template === undefined ? undefined : interpolate(template, params);
}

/** The text of one of the UI's own keys in the current language. */
export function t(key: MessageKey, params?: Params): string {
  return lookup(key, params) ?? key;
}
