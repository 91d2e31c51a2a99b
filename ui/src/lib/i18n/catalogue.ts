/**
 * The translation catalogues, read at build time from the repository's `locales/<lang>/*.json`:
 * English in the first bundle, the other languages as chunks loaded when first applied (the page
 * parses one language's strings at start, not four).
 *
 * Those files are shared with the Rust side (tray menu, notifications), so they stay flat JSON
 * objects of key → string, with `{name}` placeholders. Every file of a language is merged into
 * one catalogue: `app.json` (this UI's strings) and `check.json` (verdicts, reasons, advice) today,
 * any other file tomorrow without a code change.
 */
import type english from '../../../../locales/en/app.json';
import type englishDevice from '../../../../locales/en/device.json';
import type englishDrill from '../../../../locales/en/drill_ui.json';
import type englishFeed from '../../../../locales/en/feed.json';
import type englishReport from '../../../../locales/en/report.json';
import type englishSupport from '../../../../locales/en/support.json';
import type englishTripwire from '../../../../locales/en/tripwire.json';
import type { Language } from '../ipc';

/**
 * A key of the UI's own strings, typed from the English `app.json`, `device.json`, `feed.json`,
 * `tripwire.json`, `report.json`, `support.json` and `drill_ui.json`.
 */
export type MessageKey =
  | keyof typeof english
  | keyof typeof englishDevice
  | keyof typeof englishFeed
  | keyof typeof englishTripwire
  | keyof typeof englishReport
  | keyof typeof englishSupport
  | keyof typeof englishDrill;

export type Messages = Readonly<Record<string, string>>;

export type LocaleFile = { language: string; file: string; messages: Messages };

/** The merged catalogue of one language's files. */
function merged(files: readonly Messages[]): Messages {
  return Object.assign({}, ...files) as Messages;
}

/**
 * English, in the first bundle: the fallback for any key another language lacks, and the language
 * the page is drawn in when the user's own cannot be loaded.
 */
export const ENGLISH: Messages = merged(
  Object.values(
    import.meta.glob<Messages>('../../../../locales/en/*.json', {
      eager: true,
      import: 'default',
    }),
  ),
);

/** The other languages, a chunk each (`lang/<code>.ts`), fetched when a language is first applied. */
const lazy = import.meta.glob<Messages>('./lang/*.ts', { import: 'default' });

/** Loads one language's catalogue (its files merged); English is already here. */
export async function fetchCatalogue(language: Language): Promise<Messages> {
  if (language === 'en') return ENGLISH;
  const load = lazy[`./lang/${language}.ts`];
  if (!load) throw new Error(`no catalogue for ${language}`);
  return load();
}
