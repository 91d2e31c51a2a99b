import { describe, expect, it } from 'vitest';
import { LANGUAGES, applyLanguage } from '../i18n';
import { catalogues } from '../i18n/all';
import { CHECK_KINDS, VERDICTS } from '../ipc';
import type { AdviceCode, Category, EntryKind, ReasonCode } from '../ipc';
import { evidenceDir, formatDate, isoDate, reasonText, verdictText } from './words';

// Every code of the backend's closed sets. Each list fails to compile when the backend adds a code.
type Exhaustive<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : Exclude<All, Listed>;

const REASONS = [
  'on_blocklist',
  'contains_listed_item',
  'contains_suspicious_item',
  'lookalike_domain',
  'official_name_as_subdomain',
  'brand_affix_domain',
  'mixed_script_host',
  'punycode_host',
  'plain_http_sensitive_path',
  'ip_address_host',
  'userinfo_in_url',
  'presented_as_platform_support',
  'disguised_digits',
  'script_code_or_remote_access',
  'script_paid_upgrade',
  'script_freeze_threat',
  'official_channel',
  'org_known',
  'no_record',
  'empty_input',
  'input_too_long',
  'not_a_number',
  'contains_letters',
  'looks_like_email',
  'number_too_short',
  'number_too_long',
  'number_invalid_for_region',
  'unknown_country_code',
  'not_a_link',
  'unsupported_scheme',
  'hk_caller_id_spoof_hint',
  'hk_prefix_non_hk_pattern_hint',
  'overseas_number_hint',
  'premium_rate_hint',
] as const satisfies readonly ReasonCode[];
const ADVICE = [
  'hang_up',
  'never_share_code',
  'do_not_install_remote_tool',
  'do_not_pay',
  'do_not_open_link',
  'do_not_enter_details',
  'delete_saved_number',
  'use_in_app_support',
  'report_to_it',
  'stay_cautious',
  'check_input',
] as const satisfies readonly AdviceCode[];
const CATEGORIES = [
  'fake_support',
  'fake_upgrade',
  'freeze_threat',
  'phishing',
  'other',
] as const satisfies readonly Category[];
const ENTRY_KINDS = ['phone', 'domain', 'url'] as const satisfies readonly EntryKind[];

const complete: [
  Exhaustive<ReasonCode, (typeof REASONS)[number]>,
  Exhaustive<AdviceCode, (typeof ADVICE)[number]>,
  Exhaustive<Category, (typeof CATEGORIES)[number]>,
  Exhaustive<EntryKind, (typeof ENTRY_KINDS)[number]>,
] = [true, true, true, true];
void complete;

const KEYS = [
  ...VERDICTS.map((c) => `verdict.${c}`),
  ...CHECK_KINDS.map((c) => `kind.${c}`),
  ...REASONS.map((c) => `reason.${c}`),
  ...ADVICE.map((c) => `advice.${c}`),
  ...CATEGORIES.map((c) => `category.${c}`),
  ...ENTRY_KINDS.map((c) => `entry_kind.${c}`),
];

describe('check words', () => {
  it.each(LANGUAGES.map((l) => l.code))('word every code the backend can send in %s', (lang) => {
    const missing = KEYS.filter((key) => !catalogues[lang][key]);
    expect(missing).toEqual([]);
  });

  it('never call a verdict without a record safe', () => {
    for (const { code } of LANGUAGES) {
      applyLanguage(code);
      expect(verdictText('no_record')).not.toBe(verdictText('official'));
    }
    applyLanguage('en');
    expect(verdictText('no_record')).toBe('No record — not a guarantee of safety');
    expect(verdictText('no_record')).not.toMatch(/^safe/i);
  });

  it('show an unknown code as itself rather than hide it', () => {
    expect(reasonText('brand_new_reason' as ReasonCode)).toBe('brand_new_reason');
  });

  it('isolate Arabic evidence by its own direction, anything else left to right', () => {
    expect(evidenceDir('+85223456789')).toBe('ltr');
    expect(evidenceDir('驗證碼, 遙距')).toBe('ltr');
    expect(evidenceDir('رمز التحقق')).toBe('auto');
  });

  it('format dates in the current language', () => {
    const seconds = 1_772_424_000;
    expect(isoDate(seconds)).toMatch(/^2026-03-0[12]$/);
    expect(formatDate(seconds)).toBe(
      new Intl.DateTimeFormat('en', { dateStyle: 'medium' }).format(new Date(seconds * 1000)),
    );
    applyLanguage('ar');
    expect(formatDate(seconds)).toBe(
      new Intl.DateTimeFormat('ar', { dateStyle: 'medium' }).format(new Date(seconds * 1000)),
    );
  });
});
