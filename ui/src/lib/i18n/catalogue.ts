/**
 * The translation catalogues, read at build time from the repository's `locales/<lang>/*.json`.
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
import { LANGUAGES } from './languages';
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

const modules = import.meta.glob<Messages>('../../../../locales/*/*.json', {
  eager: true,
  import: 'default',
});

/** Every locale file found, for the completeness tests. */
export const localeFiles: readonly LocaleFile[] = Object.entries(modules)
  .map(([path, messages]) => {
    const match = /\/locales\/([^/]+)\/([^/]+)\.json$/.exec(path);
    if (!match) throw new Error(`unexpected locale path ${path}`);
    return { language: match[1] ?? '', file: match[2] ?? '', messages };
  })
  .sort((a, b) => a.language.localeCompare(b.language) || a.file.localeCompare(b.file));

function merge(language: Language): Messages {
  const merged: Record<string, string> = {};
  for (const f of localeFiles) if (f.language === language) Object.assign(merged, f.messages);
  return merged;
}

export const catalogues: Readonly<Record<Language, Messages>> = Object.fromEntries(
  LANGUAGES.map((l) => [l.code, merge(l.code)]),
) as Record<Language, Messages>;
