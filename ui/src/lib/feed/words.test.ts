import { describe, expect, it } from 'vitest';
import { applyLanguage } from '../i18n';
import { catalogues, localeFiles } from '../i18n/all';
import { feedFixtures } from '../ipc/feed-testing';
import {
  ago,
  formatBytes,
  freshnessLines,
  plural,
  progressText,
  reasonText,
  relative,
  toneOf,
  verdictLine,
} from './words';

const { freshness } = feedFixtures;
/** A number as Arabic writes it here (the digits depend on the ICU data). */
const ar = (n: number): string => new Intl.NumberFormat('ar').format(n);

describe('feed words', () => {
  it('pluralise with each language’s categories', () => {
    expect(plural('threats.unread', 1)).toBe('One unread');
    expect(plural('threats.unread', 3)).toBe('3 unread');
    applyLanguage('ar');
    expect(plural('threats.unread', 2)).toBe('تهديدان غير مقروءين');
    expect(plural('threats.unread', 3)).toBe(`${ar(3)} تهديدات غير مقروءة`);
    expect(plural('threats.unread', 11)).toBe(`${ar(11)} تهديدًا غير مقروء`);
    expect(plural('threats.unread', 100)).toBe(`${ar(100)} تهديد غير مقروء`);
    applyLanguage('zh-HK');
    expect(plural('threats.unread', 3)).toBe('3 個未讀');
  });

  it('carry every plural category for every counted family in every language', () => {
    for (const file of localeFiles.filter((f) => f.file === 'feed')) {
      const code = file.language;
      const keys = Object.keys(file.messages);
      const families = new Set(
        keys.filter((k) => k.endsWith('.other')).map((k) => k.slice(0, -'.other'.length)),
      );
      for (const family of families)
        for (const cat of ['one', 'two', 'few', 'many'])
          expect(keys, `${code} ${family}.${cat}`).toContain(`${family}.${cat}`);
    }
  });

  it('say ages in the current language', () => {
    expect(ago(12 * 60)).toBe('12 minutes ago');
    expect(ago(30)).toBe('now');
    expect(ago(3 * 3600)).toBe('3 hours ago');
    expect(ago(3 * 86_400)).toBe('3 days ago');
    expect(relative(1800)).toBe('in 30 minutes');
    applyLanguage('zh-CN');
    expect(ago(12 * 60)).toBe('12分钟前');
    applyLanguage('ar');
    expect(ago(12 * 60)).toBe(`قبل ${ar(12)} دقيقة`);
  });

  it('word each freshness for Home and under a verdict', () => {
    expect(freshnessLines(freshness.fresh(), 0).headline).toBe(
      'List version 12, updated 12 minutes ago.',
    );
    expect(freshnessLines(freshness.notConfigured(), 12).headline).toBe(
      'No threat feed is configured: the list holds sample data only.',
    );
    expect(freshnessLines(freshness.notConfigured(), 0).headline).toBe(
      'No threat feed is configured.',
    );
    const failing = freshnessLines(freshness.failing(), 0);
    expect(failing.headline).toMatch(
      /^Updates failing since .+: the feed server cannot be reached\.$/,
    );
    expect(failing.details).toEqual(['Checks still use list version 12, updated 5 hours ago.']);
    const stale = freshnessLines(freshness.stale(), 0);
    expect(stale.headline).toMatch(/^The list is stale: version 12, updated 9 days ago\./);
    expect(stale.details[0]).toBe(
      "Latest attempt: the feed's signatures are missing or wrong; the update was refused.",
    );
    expect(verdictLine(freshness.fresh())).toBe(
      'Checked against list version 12, updated 12 minutes ago.',
    );
    expect(verdictLine(freshness.stale())).toMatch(/^Checked against a stale list/);
    expect(verdictLine(freshness.notConfigured())).toBe(
      'Checked against sample data only: no threat feed is configured.',
    );
    expect([freshness.fresh(), freshness.failing(), freshness.stale()].map(toneOf)).toEqual([
      'ok',
      'warn',
      'bad',
    ]);
    applyLanguage('ar');
    expect(verdictLine(freshness.fresh())).toBe(
      `فُحص مقابل القائمة الإصدار ${ar(12)}، التي حُدّثت قبل ${ar(12)} دقيقة.`,
    );
  });

  it('word every failure code the feed records, and unknown ones', () => {
    for (const code of [
      'no_trusted_root',
      'bad_root',
      'bad_url',
      'network',
      'not_found',
      'bad_signature',
      'rollback',
      'expired',
      'mix_and_match',
      'too_large',
      'bad_target',
      'bad_metadata',
      'bad_format',
      'not_a_feed',
      'checksum',
      'root_pinned',
      'busy',
      'clock',
      'store',
      'io',
      'disk_full',
      'input',
      'tuf',
      'internal',
    ])
      expect(reasonText(code)).not.toBe(catalogues.en['feed.reason.unknown']);
    expect(reasonText('martian')).toBe(catalogues.en['feed.reason.unknown']);
  });

  it('show progress with stage and bytes', () => {
    expect(progressText({ stage: 'metadata', file: null, bytes: 0, total: null })).toBe(
      'Verifying the signed metadata…',
    );
    expect(
      progressText({ stage: 'download', file: 'snapshot', bytes: 1_500_000, total: 3_000_000 }),
    ).toBe('Downloading the full list: 1.5 MB of 3 MB');
    expect(progressText({ stage: 'download', file: 'delta', bytes: 2048, total: null })).toBe(
      'Downloading the changes: 2 kB',
    );
    expect(formatBytes(512)).toBe('0.5 kB');
  });
});
