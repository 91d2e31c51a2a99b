/**
 * Every language's catalogue, loaded eagerly: for the completeness tests only (the app loads a
 * language when it is applied, `catalogue.ts`). Nothing outside tests imports this module, so
 * none of it is in the app's bundle.
 */
import type { Language } from '../ipc';
import type { LocaleFile, Messages } from './catalogue';
import { LANGUAGES } from './languages';

const modules = import.meta.glob<Messages>('../../../../locales/*/*.json', {
  eager: true,
  import: 'default',
});

/** Every locale file found. */
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

/** Each language's merged catalogue. */
export const catalogues: Readonly<Record<Language, Messages>> = Object.fromEntries(
  LANGUAGES.map((l) => [l.code, merge(l.code)]),
) as Record<Language, Messages>;
