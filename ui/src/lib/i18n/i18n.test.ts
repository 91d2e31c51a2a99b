import { describe, expect, it, vi } from 'vitest';
import { ERROR_CODES } from '../ipc';
import { LANGUAGES, applyLanguage, currentLanguage, interpolate, lookup, t } from '.';
import { catalogues, localeFiles } from './all';
import type * as I18n from './i18n.svelte';
import { ENGLISH, fetchCatalogue } from './catalogue';

const languages = LANGUAGES.map((l) => l.code);
const placeholders = (text: string): string[] =>
  [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();

describe('locale files', () => {
  const english = localeFiles.filter((f) => f.language === 'en');

  it('exist for every language, and only for shipped languages', () => {
    expect(english.map((f) => f.file)).toContain('app');
    expect([...new Set(localeFiles.map((f) => f.language))].sort()).toEqual([...languages].sort());
  });

  describe.each(english.map((f) => [f.file, f.messages] as const))('%s.json', (file, en) => {
    it.each(languages.filter((l) => l !== 'en'))('has exactly the English keys in %s', (lang) => {
      const other = localeFiles.find((f) => f.language === lang && f.file === file);
      expect(other, `locales/${lang}/${file}.json is missing`).toBeDefined();
      expect(Object.keys(other?.messages ?? {}).sort()).toEqual(Object.keys(en).sort());
    });

    it.each(languages)(
      'is a flat object of non-empty strings with English placeholders in %s',
      (lang) => {
        const messages =
          localeFiles.find((f) => f.language === lang && f.file === file)?.messages ?? {};
        for (const [key, value] of Object.entries(messages)) {
          expect(typeof value, `${lang}/${file}.json ${key}`).toBe('string');
          expect(value.trim(), `${lang}/${file}.json ${key}`).not.toBe('');
          expect(placeholders(value), `${lang}/${file}.json ${key}`).toEqual(
            placeholders(en[key] ?? ''),
          );
        }
      },
    );
  });

  it('never define the same key in two files of a language', () => {
    for (const lang of languages) {
      const keys = localeFiles
        .filter((f) => f.language === lang)
        .flatMap((f) => Object.keys(f.messages));
      expect(keys.length, lang).toBe(new Set(keys).size);
    }
  });

  it('word every error code', () => {
    for (const code of ERROR_CODES) expect(catalogues.en[`error.${code}`]).toBeTruthy();
  });

  it('carry the strings the Rust side reads for the tray and notifications', () => {
    for (const key of [
      'tray.open',
      'tray.quit',
      'tray.tooltip',
      'notification.test.title',
      'notification.test.body',
    ]) {
      for (const lang of languages) expect(catalogues[lang][key], `${lang} ${key}`).toBeTruthy();
    }
  });
});

describe('t', () => {
  it('follows the current language and sets <html lang dir>', () => {
    expect(t('nav.settings')).toBe('Settings');
    applyLanguage('zh-HK');
    expect(currentLanguage()).toBe('zh-HK');
    expect(t('nav.settings')).toBe('設定');
    expect(document.documentElement).toHaveAttribute('lang', 'zh-HK');
    expect(document.documentElement).toHaveAttribute('dir', 'ltr');
    applyLanguage('ar');
    expect(t('nav.settings')).toBe('الإعدادات');
    expect(document.documentElement).toHaveAttribute('dir', 'rtl');
  });

  it('returns undefined from lookup for unknown dynamic keys', () => {
    expect(lookup('verdict.no_such_verdict')).toBeUndefined();
  });

  it('interpolates named placeholders', () => {
    expect(interpolate('{count} numbers from {source}', { count: 3, source: 'feed' })).toBe(
      '3 numbers from feed',
    );
    expect(interpolate('{missing} stays', {})).toBe('{missing} stays');
  });
});

describe('loading a language', () => {
  it('fetches each language as its files merged, English from the first bundle', async () => {
    expect(await fetchCatalogue('en')).toBe(ENGLISH);
    expect(ENGLISH).toEqual(catalogues.en);
    for (const l of languages) expect(await fetchCatalogue(l)).toEqual(catalogues[l]);
  });
});

describe('applying a language not loaded yet', () => {
  // A fresh copy of the module: only English is loaded, as at the app's start.
  async function fresh(): Promise<typeof I18n> {
    vi.resetModules();
    return import('./i18n.svelte');
  }

  it('keeps the current language and direction until the catalogue is in, then switches', async () => {
    const i18n = await fresh();
    i18n.applyLanguage('ar');
    expect(i18n.currentLanguage()).toBe('en');
    expect(document.documentElement.dir).not.toBe('rtl');
    await i18n.loadLanguage('ar');
    expect(i18n.currentLanguage()).toBe('ar');
    expect(document.documentElement.dir).toBe('rtl');
    expect(i18n.lookup('nav.check')).toBe(catalogues.ar['nav.check']);
    i18n.applyLanguage('en');
  });

  it('lets the latest choice win over a slower load of an earlier one', async () => {
    const i18n = await fresh();
    i18n.applyLanguage('zh-HK');
    i18n.applyLanguage('en');
    await i18n.loadLanguage('zh-HK');
    expect(i18n.currentLanguage()).toBe('en');
    expect(document.documentElement.lang).toBe('en');
  });
});
