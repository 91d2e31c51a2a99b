import { afterEach, describe, expect, it } from 'vitest';
import { LANGUAGES, applyLanguage } from '../i18n';
import { catalogues } from '../i18n/all';
import { IpcFailure, type ErrorReason } from '../ipc';
import { checkState, checkText, failureText, groupFingerprint } from './words';

/** The codes a check result may carry (`verity_device::proto::codes`), by the check. */
const CHECK_CODES = {
  device_binding: [
    'timestamp_stale',
    'nonce_replayed',
    'signature_invalid',
    'certificate_invalid',
    'certificate_expired',
    'device_unknown',
    'device_revoked',
  ],
  two_factor: ['totp_invalid', 'totp_reused', 'totp_locked', 'totp_not_set_up', 'not_checked'],
  region: ['region_address', 'region_timezone', 'region_locale', 'region_no_policy', 'not_checked'],
} as const;

/** The desk's refusals of enrolment and two-factor set-up that Verity words specially. */
const REFUSALS = [
  'enroll_code_invalid',
  'enroll_code_used',
  'enroll_code_expired',
  'enroll_rate_limited',
  'device_exists',
  'totp_already_set_up',
];

afterEach(() => applyLanguage('en'));

describe('device words', () => {
  it('exist for every check code and refusal in every language', () => {
    for (const { code } of LANGUAGES) {
      const messages = catalogues[code];
      for (const codes of Object.values(CHECK_CODES))
        for (const c of codes) expect(messages[`device.result.${c}`], `${code} ${c}`).toBeTruthy();
      for (const name of Object.keys(CHECK_CODES))
        expect(messages[`device.result.${name}.ok`], `${code} ${name}`).toBeTruthy();
      for (const r of REFUSALS)
        expect(messages[`device.refusal.${r}`], `${code} ${r}`).toBeTruthy();
    }
  });

  it('classify results: passed, passed with a note, refused, not run', () => {
    expect(checkState({ ok: true, code: 'ok', message: '' })).toBe('pass');
    expect(checkState({ ok: true, code: 'region_no_policy', message: '' })).toBe('warn');
    expect(checkState({ ok: false, code: 'totp_invalid', message: '' })).toBe('fail');
    expect(checkState({ ok: false, code: 'not_checked', message: '' })).toBe('skipped');
  });

  it('word a passed check by the check, and an unknown code as itself', () => {
    expect(checkText('region', { ok: true, code: 'ok', message: '' })).toBe(
      'You are connecting from a region your organisation allows.',
    );
    expect(checkText('two_factor', { ok: false, code: 'totp_reused', message: '' })).toMatch(
      /already used/,
    );
    expect(checkText('region', { ok: false, code: 'region_moon', message: '' })).toBe(
      'The desk gave a result Verity does not know (region_moon).',
    );
  });

  it('word a refusal by the desk’s code, else by the error code', () => {
    const refused = (reason: ErrorReason | null): IpcFailure =>
      new IpcFailure('desk_refused', 'refused', reason);
    expect(failureText(refused('enroll_code_used'))).toMatch(/already been used/);
    expect(failureText(refused('device_revoked'))).toMatch(/revoked/);
    expect(failureText(refused('unknown'))).toBe("Your organisation's desk refused the request.");
    expect(failureText(refused(null))).toBe("Your organisation's desk refused the request.");
    expect(failureText(new IpcFailure('no_secure_store', 'x'))).toBe(
      'No secure key store can be used on this computer.',
    );
    applyLanguage('zh-HK');
    expect(failureText(refused('enroll_code_expired'))).toBe(
      '這個代碼已經過期。請向 IT 部門索取新代碼。',
    );
  });

  it('group fingerprints in fours, however they were typed', () => {
    expect(groupFingerprint('3f2a9c01:77b4-e5d2')).toBe('3F2A 9C01 77B4 E5D2');
    expect(groupFingerprint('')).toBe('');
  });
});
