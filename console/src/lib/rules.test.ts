import { describe, expect, it } from 'vitest';
import { cidr, languageTag, printable, regionCode, splitList, ttlValid } from './rules';

describe('input rules', () => {
  it('splits comma-separated lists, Chinese and Arabic commas too', () => {
    expect(splitList(' zh-HK, en ,,')).toEqual(['zh-HK', 'en']);
    expect(splitList('HK，MO、SG،AE')).toEqual(['HK', 'MO', 'SG', 'AE']);
    expect(splitList('  ')).toEqual([]);
  });

  it('checks language tags and region codes', () => {
    expect(['en', 'zh-HK', 'zh-Hant-HK'].every(languageTag)).toBe(true);
    expect(['e', 'english!', 'zh_HK'].some(languageTag)).toBe(false);
    expect(regionCode('HK')).toBe(true);
    expect(['hk', 'HKG', 'H'].some(regionCode)).toBe(false);
  });

  it('checks address ranges', () => {
    expect(['10.0.0.0/8', '192.168.1.0/24', '2001:db8::/32', '::/0'].every(cidr)).toBe(true);
    expect(
      ['10.0.0.0', '10.0.0.0/33', '256.0.0.0/8', '10.0.0/8', '2001:db8::/129'].some(cidr),
    ).toBe(false);
  });

  it('checks validity and printable text', () => {
    expect(ttlValid('72h') && ttlValid('90d')).toBe(true);
    expect(ttlValid('91d') || ttlValid('2w') || ttlValid('0h')).toBe(false);
    expect(printable('', 0, 64)).toBe(true);
    expect(printable('a'.repeat(65), 0, 64)).toBe(false);
    expect(printable('a\u0007b')).toBe(false);
  });
});
