/**
 * Realistic backend answers shared by the component tests (`testing.ts`) and the Playwright mock
 * (`e2e/mock-backend.ts`). Test code only: nothing in the app imports this module. Plain data with
 * type imports only, so it can be loaded in Node and serialised into a page.
 */
import type {
  AppStatus,
  CheckKind,
  CheckOutcome,
  DeviceBinding,
  DeviceCheck,
  DeviceChecks,
  DeviceEnrolled,
  DeviceStatus,
  HistoryEntry,
  Match,
  TotpSetup,
  Verdict,
} from '.';

/** 2026-03-02 04:00 UTC: the same calendar day in every time zone from UTC−4 to UTC+14. */
export const ADDED = 1_772_424_000;

export function status(): AppStatus {
  return {
    appVersion: '0.1.0',
    dataDir: '/home/ada/.local/share/hk.verity.desktop',
    databaseFile: '/home/ada/.local/share/hk.verity.desktop/verity.sqlite3',
    schemaVersion: 1,
    blocklist: { entries: 12, phones: 8, links: 4, sample: 12 },
  };
}

export function listedPhone(): Match {
  return {
    kind: 'phone',
    value: '+85223456789',
    category: 'fake_support',
    campaign: 'Fake DingTalk hotline',
    source: 'Verity sample list',
    added: ADDED,
  };
}

/** A phone number on the blocklist. */
export function scamPhone(): CheckOutcome {
  return {
    input: '2345 6789',
    kind: 'phone',
    normalized: '+85223456789',
    verdict: 'scam',
    reasons: [{ code: 'on_blocklist', detail: '+85223456789' }],
    matches: [listedPhone()],
    advice: ['hang_up', 'delete_saved_number', 'use_in_app_support', 'report_to_it'],
    items: [],
  };
}

/** A look-alike link. */
export function suspiciousLink(): CheckOutcome {
  return {
    input: 'http://dingtalk-support.xyz/login',
    kind: 'url',
    normalized: 'http://dingtalk-support.xyz/login',
    verdict: 'suspicious',
    reasons: [
      { code: 'brand_affix_domain', detail: 'dingtalk.com' },
      { code: 'plain_http_sensitive_path', detail: null },
    ],
    matches: [],
    advice: ['do_not_open_link', 'do_not_enter_details', 'use_in_app_support', 'report_to_it'],
    items: [],
  };
}

/** An official domain. */
export function officialLink(): CheckOutcome {
  return {
    input: 'https://www.dingtalk.com/',
    kind: 'url',
    normalized: 'https://www.dingtalk.com/',
    verdict: 'official',
    reasons: [{ code: 'official_channel', detail: 'www.dingtalk.com' }],
    matches: [],
    advice: ['never_share_code'],
    items: [],
  };
}

/** A readable number nothing is known about. */
export function unknownPhone(input = '3111 2222', normalized = '+85231112222'): CheckOutcome {
  return {
    input,
    kind: 'phone',
    normalized,
    verdict: 'no_record',
    reasons: [{ code: 'no_record', detail: null }],
    matches: [],
    advice: ['stay_cautious', 'use_in_app_support'],
    items: [],
  };
}

/** A number one digit short. */
export function invalidPhone(): CheckOutcome {
  return {
    input: '2345 678',
    kind: 'phone',
    normalized: null,
    verdict: 'invalid',
    reasons: [
      { code: 'number_too_short', detail: 'a Hong Kong number has 8 digits; this one has 7' },
    ],
    matches: [],
    advice: ['check_input'],
    items: [],
  };
}

export const MESSAGE =
  'DingTalk customer service: your account will be frozen today. Call 2345 6789 now, or pay the upgrade fee at http://dingtalk-support.xyz/login';

/** A pasted SMS with a listed number, a look-alike link and two scam scripts. */
export function scamMessage(): CheckOutcome {
  const phone = scamPhone();
  return {
    input: MESSAGE,
    kind: 'text',
    normalized: null,
    verdict: 'scam',
    reasons: [
      { code: 'contains_listed_item', detail: null },
      { code: 'script_paid_upgrade', detail: 'upgrade fee' },
      { code: 'script_freeze_threat', detail: 'frozen, today, now' },
      { code: 'presented_as_platform_support', detail: null },
      { code: 'contains_suspicious_item', detail: null },
    ],
    matches: [listedPhone()],
    advice: [
      'hang_up',
      'do_not_pay',
      'do_not_open_link',
      'do_not_enter_details',
      'delete_saved_number',
      'use_in_app_support',
      'report_to_it',
    ],
    items: [
      {
        ...phone,
        input: '2345 6789',
        reasons: [
          { code: 'on_blocklist', detail: '+85223456789' },
          { code: 'presented_as_platform_support', detail: null },
        ],
      },
      suspiciousLink(),
    ],
  };
}

/** One outcome of each verdict, for tests that go through them all. */
export const byVerdict: Record<Verdict, () => CheckOutcome> = {
  scam: scamPhone,
  suspicious: suspiciousLink,
  official: officialLink,
  no_record: () => unknownPhone(),
  invalid: invalidPhone,
};

/** One outcome of each verdict, most alarming first. */
export function allVerdicts(): CheckOutcome[] {
  return Object.values(byVerdict).map((outcome) => outcome());
}

/** What the fake backends answer for an input they have no fixture for. */
export function fallbackOutcome(input: string, kind: CheckKind | null): CheckOutcome {
  return { ...unknownPhone(input, input.trim()), kind: kind ?? 'phone' };
}

/**
 * The history after `outcome`, as the backend keeps it: the normalised items only (a link without
 * its query), the same kind and items replacing their earlier row, nothing for an unreadable input.
 */
export function recordInHistory(history: HistoryEntry[], outcome: CheckOutcome): HistoryEntry[] {
  const found = outcome.kind === 'text' ? outcome.items : [outcome];
  const items = [
    ...new Set(found.flatMap((o) => (o.normalized ? [o.normalized.split('?')[0] ?? ''] : []))),
  ];
  if (items.length === 0 && (outcome.kind !== 'text' || outcome.verdict === 'invalid'))
    return history;
  const key = JSON.stringify([outcome.kind, items]);
  const rest = history.filter((e) => JSON.stringify([e.kind, e.items]) !== key);
  const entry: HistoryEntry = {
    id: Math.max(0, ...history.map((e) => e.id)) + 1,
    checkedAt: Math.floor(Date.now() / 1000),
    source: 'screen',
    kind: outcome.kind,
    verdict: outcome.verdict,
    items: items.slice(0, 10),
    itemCount: items.length,
  };
  return [entry, ...rest].slice(0, 50);
}

// ---- Device binding (issue 6) -----------------------------------------------------------------

/** The organisation key's fingerprint, as the desk and the app show it. */
export const ORG_FINGERPRINT =
  '3F2A 9C01 77B4 E5D2 0A18 C6F3 4B9E 21D7 88C0 5EAF 13B6 702D C94A E1F8 6B35 0D92';

/** Not bound to any organisation. */
export function deviceNotBound(): DeviceStatus {
  return { bound: false, binding: null };
}

/** Bound to "Acme HK", two-factor issued but no code accepted yet, never verified. */
export function deviceBinding(): DeviceBinding {
  return {
    deskUrl: 'https://desk.acme.example/',
    orgName: 'Acme HK',
    orgFingerprint: ORG_FINGERPRINT,
    employeeId: 'e100',
    employeeName: 'Chan Tai Man',
    deviceId: '9b1f3c5d7e9a0b2c4d6e8f0a1b3c5d7e9f1a3b5c7d9e0f2a4b6c8d0e2f4a6b8c',
    deviceFingerprint:
      'A1B2 C3D4 E5F6 0718 293A 4B5C 6D7E 8F90 0123 4567 89AB CDEF FEDC BA98 7654 3210',
    keyStore: 'os',
    keyPresent: true,
    keyProblem: null,
    certificateIssuedAt: ADDED,
    certificateExpiresAt: ADDED + 365 * 86_400,
    certificateOk: true,
    certificateProblem: null,
    twoFactor: 'pending',
    lastCheck: null,
  };
}

export function deviceBound(binding: Partial<DeviceBinding> = {}): DeviceStatus {
  return { bound: true, binding: { ...deviceBinding(), ...binding } };
}

export function totpSetup(): TotpSetup {
  return {
    uri: 'otpauth://totp/Verity%20Acme%20HK:e100?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Verity%20Acme%20HK&algorithm=SHA1&digits=6&period=30',
    secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
    issuer: 'Verity Acme HK',
    account: 'e100',
  };
}

const pass = (code = 'ok', message = 'passed'): DeviceCheck => ({ ok: true, code, message });
const refuse = (code: string, message: string): DeviceCheck => ({ ok: false, code, message });
const notChecked = (): DeviceCheck => refuse('not_checked', 'not checked: an earlier check failed');

/** What enrolment returns on a desk with no region policy yet. */
export function deviceEnrolled(): DeviceEnrolled {
  return {
    binding: deviceBinding(),
    totp: totpSetup(),
    totpError: null,
    region: pass('region_no_policy', 'no region policy is set: the region check passes'),
  };
}

/** "Verify my device now" outcomes, by name. */
export const deviceChecks = {
  allPassed: (): DeviceChecks => ({
    ok: true,
    deviceBinding: pass('ok', 'bound to Acme HK for Chan Tai Man (e100)'),
    twoFactor: pass('ok', 'the code is right'),
    region: pass('ok', 'HK is allowed'),
  }),
  noPolicy: (): DeviceChecks => ({
    ok: true,
    deviceBinding: pass('ok', 'bound to Acme HK for Chan Tai Man (e100)'),
    twoFactor: pass('ok', 'the code is right'),
    region: pass('region_no_policy', 'no region policy is set'),
  }),
  wrongCode: (): DeviceChecks => ({
    ok: false,
    deviceBinding: pass('ok', 'bound to Acme HK for Chan Tai Man (e100)'),
    twoFactor: refuse('totp_invalid', 'wrong code (4 attempts left)'),
    region: pass('ok', 'HK is allowed'),
  }),
  regionRefused: (): DeviceChecks => ({
    ok: false,
    deviceBinding: pass('ok', 'bound to Acme HK for Chan Tai Man (e100)'),
    twoFactor: notChecked(),
    region: refuse('region_address', 'the address 203.0.113.9 is outside the allowed ranges'),
  }),
  revoked: (): DeviceChecks => ({
    ok: false,
    deviceBinding: refuse('device_revoked', 'this device was revoked'),
    twoFactor: notChecked(),
    region: notChecked(),
  }),
};

/** The code the fake backends treat as wrong; any other six digits pass. */
export const WRONG_TOTP = '000000';
