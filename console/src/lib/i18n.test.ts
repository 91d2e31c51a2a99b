import { describe, expect, it } from 'vitest';
import { LANGUAGES, applyLanguage, catalogues, matchLanguage, t } from './i18n.svelte';
import { ERROR_CODES } from './api';

const placeholders = (text: string): string[] =>
  [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();

describe('catalogues', () => {
  const en = catalogues.en ?? {};

  it.each(LANGUAGES.map((l) => l.code))(
    '%s has exactly the English keys, non-empty, with the same placeholders',
    (code) => {
      const messages = catalogues[code] ?? {};
      expect(Object.keys(messages).sort()).toEqual(Object.keys(en).sort());
      for (const [key, value] of Object.entries(messages)) {
        expect(value.trim(), `${code} ${key}`).not.toBe('');
        expect(placeholders(value), `${code} ${key}`).toEqual(placeholders(en[key] ?? ''));
      }
    },
  );

  it('words every error code', () => {
    for (const code of ERROR_CODES) expect(en[`error.${code}`]).toBeTruthy();
  });

  it('sets <html lang dir> with the language, right-to-left for Arabic', () => {
    applyLanguage('ar');
    expect(document.documentElement).toHaveAttribute('dir', 'rtl');
    expect(document.documentElement).toHaveAttribute('lang', 'ar');
    expect(t('nav.reports')).toBe('البلاغات');
    applyLanguage('zh-HK');
    expect(document.documentElement).toHaveAttribute('dir', 'ltr');
    expect(t('nav.reports')).toBe('舉報');
  });

  it('matches browser languages', () => {
    expect(matchLanguage(['zh-TW'])).toBe('zh-HK');
    expect(matchLanguage(['zh-Hans-CN'])).toBe('zh-CN');
    expect(matchLanguage(['fr', 'ar-EG'])).toBe('ar');
    expect(matchLanguage(['fr'])).toBeUndefined();
  });
});

describe('drill formats', () => {
  it('words durations to their two largest units, per language', async () => {
    const { formatDuration, formatPercent } = await import('./i18n.svelte');
    applyLanguage('en');
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(0)).toBe('0 secs');
    expect(formatDuration(45)).toBe('45 secs');
    expect(formatDuration(3_600)).toBe('1 hr');
    expect(formatDuration(3_725)).toBe('1 hr, 2 mins');
    expect(formatDuration(72 * 3_600)).toBe('3 days');
    expect(formatPercent(0.125)).toBe('13%');
    expect(formatPercent(null)).toBe('—');
    applyLanguage('zh-HK');
    expect(formatDuration(3_725)).toBe(
      new Intl.ListFormat('zh-HK', { style: 'short', type: 'unit' }).format([
        new Intl.NumberFormat('zh-HK', {
          style: 'unit',
          unit: 'hour',
          unitDisplay: 'short',
        }).format(1),
        new Intl.NumberFormat('zh-HK', {
          style: 'unit',
          unit: 'minute',
          unitDisplay: 'short',
        }).format(2),
      ]),
    );
    applyLanguage('en');
  });
});
