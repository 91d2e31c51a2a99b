/**
 * The console's strings in English, Traditional Chinese (Hong Kong), Simplified Chinese and
 * Arabic, from `src/locales/<lang>.json` (flat key → string, `{name}` placeholders). `t()` reads
 * the language from rune state, so templates re-render when it changes; `applyLanguage` also sets
 * `<html lang dir>` (Arabic is right-to-left). The choice is kept in localStorage.
 */
import type english from '../locales/en.json';

export type MessageKey = keyof typeof english;
export type Params = Readonly<Record<string, string | number>>;

export const LANGUAGES = [
  { code: 'en', name: 'English', dir: 'ltr' },
  { code: 'zh-HK', name: '繁體中文（香港）', dir: 'ltr' },
  { code: 'zh-CN', name: '简体中文', dir: 'ltr' },
  { code: 'ar', name: 'العربية', dir: 'rtl' },
] as const;
export type Language = (typeof LANGUAGES)[number]['code'];
export const FALLBACK_LANGUAGE: Language = 'en';
const STORAGE_KEY = 'verity-console-language';

const modules = import.meta.glob<Readonly<Record<string, string>>>('../locales/*.json', {
  eager: true,
  import: 'default',
});

export const catalogues: Readonly<Record<string, Readonly<Record<string, string>>>> =
  Object.fromEntries(
    Object.entries(modules).map(([path, messages]) => [
      /\/([^/]+)\.json$/.exec(path)?.[1] ?? path,
      messages,
    ]),
  );

export function isLanguage(value: unknown): value is Language {
  return LANGUAGES.some((l) => l.code === value);
}

export function directionOf(language: Language): 'ltr' | 'rtl' {
  return LANGUAGES.find((l) => l.code === language)?.dir ?? 'ltr';
}

let current = $state<Language>(FALLBACK_LANGUAGE);

export function currentLanguage(): Language {
  return current;
}

/** Switches the UI language and sets `<html lang dir>` to match. */
export function applyLanguage(language: Language, remember = false): void {
  current = language;
  if (typeof document !== 'undefined') {
    document.documentElement.lang = language;
    document.documentElement.dir = directionOf(language);
  }
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, language);
    } catch {
      // Storage may be off; the choice then lasts for this page.
    }
  }
}

/** Whether the user picked a language in this browser (it then wins over the account's). */
export function languageChosen(): boolean {
  try {
    return isLanguage(localStorage.getItem(STORAGE_KEY));
  } catch {
    return false;
  }
}

/** The language to start in: the one chosen here before, else the browser's, else English. */
export function initialLanguage(): Language {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (isLanguage(stored)) return stored;
  } catch {
    // ignore
  }
  return matchLanguage(typeof navigator === 'undefined' ? [] : navigator.languages) ?? 'en';
}

/** The best shipped language for a list of BCP 47 tags (`zh-TW` → `zh-HK`, `zh` → `zh-CN`). */
export function matchLanguage(tags: readonly string[]): Language | undefined {
  for (const tag of tags) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('zh')) {
      return /hant|hk|tw|mo/.test(lower) ? 'zh-HK' : 'zh-CN';
    }
    if (lower.startsWith('ar')) return 'ar';
    if (lower.startsWith('en')) return 'en';
  }
  return undefined;
}

export function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

/** Looks up a key built at run time (`kind.${kind}`); `undefined` when no language has it. */
export function lookup(key: string, params?: Params): string | undefined {
  const template = catalogues[current]?.[key] ?? catalogues[FALLBACK_LANGUAGE]?.[key];
  return template === undefined ? undefined : interpolate(template, params);
}

export function t(key: MessageKey, params?: Params): string {
  return lookup(key, params) ?? key;
}

const localeTags: Record<Language, string> = {
  en: 'en-GB',
  'zh-HK': 'zh-HK',
  'zh-CN': 'zh-CN',
  ar: 'ar',
};

/** A Unix time (seconds) as a date and time in the UI language; `—` for none. */
export function formatTime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return t('common.none');
  return new Intl.DateTimeFormat(localeTags[current], {
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(seconds * 1000);
}

export function formatNumber(value: number): string {
  return new Intl.NumberFormat(localeTags[current]).format(value);
}

/** A rate from 0 to 1 as a percentage in the UI language; `—` for none. */
export function formatPercent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return t('common.none');
  return new Intl.NumberFormat(localeTags[current], {
    style: 'percent',
    maximumFractionDigits: 0,
  }).format(rate);
}

/**
 * A duration in seconds in words of the UI language ("2 hr, 5 min"), to the two largest units
 * among days, hours, minutes and seconds; `—` for none.
 */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return t('common.none');
  const units = [
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
    ['second', 1],
  ] as const;
  let rest = Math.max(0, Math.round(seconds));
  const parts: string[] = [];
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || (parts.length === 0 && unit === 'second')) {
      parts.push(
        new Intl.NumberFormat(localeTags[current], {
          style: 'unit',
          unit,
          unitDisplay: 'short',
        }).format(n),
      );
    }
    if (parts.length === 2) break;
    if (parts.length === 1 && n > 0 && unit !== 'second' && rest === 0) break;
  }
  return new Intl.ListFormat(localeTags[current], { style: 'short', type: 'unit' }).format(parts);
}

/** A Unix time (seconds) as a date in the UI language; `—` for none. */
export function formatDate(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return t('common.none');
  return new Intl.DateTimeFormat(localeTags[current], { dateStyle: 'medium' }).format(
    seconds * 1000,
  );
}
