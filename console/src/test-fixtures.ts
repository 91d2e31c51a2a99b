/** Realistic desk answers, shared by the component tests and the Playwright mocks. */
import type {
  Agent,
  Dashboard,
  Device,
  DeviceDetail,
  DrillPerson,
  DrillResults,
  DrillScenario,
  DrillSummary,
  DrillTotals,
  DrillTrend,
  LureText,
  Programme,
  Reserved,
  EnrolmentCode,
  Feed,
  Consistency,
  Op,
  OpLog,
  ReportGroup,
  RegionPolicy,
  ReportGroupDetail,
} from './lib/api';
import { leafHash, rootOf, toBase64 } from './lib/merkle';
import { leafBytes } from './lib/oplog-verify';
import { inclusionPath, subproof } from './test-merkle';

export const NOW = 1_796_000_000;

/** Hostile input as an employee might report it: markup, a script URL, bidi tricks. */
export const HOSTILE = '<img src=x onerror="window.pwned=1">javascript:alert(1)\u202Egnp.exe';
/** How the console shows it: the same characters, the bidi override made visible. */
export const HOSTILE_SHOWN =
  '<img src=x onerror="window.pwned=1">javascript:alert(1)⟨U+202E⟩gnp.exe';

export const groups = (): ReportGroup[] => [
  {
    id: 11,
    kind: 'check',
    item: '+85255550101',
    status: 'new',
    reports: 3,
    devices: 2,
    first_received: NOW - 7200,
    last_received: NOW - 60,
    verdict: 'fake_support,urgent_payment',
    feed_item: true,
  },
  {
    id: 12,
    kind: 'threat',
    item: HOSTILE,
    status: 'new',
    reports: 1,
    devices: 1,
    first_received: NOW - 3600,
    last_received: NOW - 3600,
    verdict: null,
    feed_item: true,
  },
  {
    id: 13,
    kind: 'appeal',
    item: 'https://bank.example/login',
    status: 'new',
    reports: 1,
    devices: 1,
    first_received: NOW - 1800,
    last_received: NOW - 1800,
    verdict: 'phishing',
    feed_item: false,
  },
  {
    id: 14,
    kind: 'tripwire_remote_tool',
    item: null,
    status: 'new',
    reports: 1,
    devices: 1,
    first_received: NOW - 900,
    last_received: NOW - 900,
    verdict: null,
    feed_item: false,
  },
];

export const groupDetail = (id = 11): ReportGroupDetail => {
  const { reports: count, ...group } = groups().find((g) => g.id === id) ?? groups()[0]!;
  return {
    ...group,
    count,
    reports: [
      {
        id: id * 10 + 1,
        device_id: 'a3f09c1d7e5b',
        employee: 'E1024',
        employee_name: 'Chan Tai Man',
        note: '<b>called me</b> claiming to be <a href="https://evil.example">the bank</a>',
        observed_at: NOW - 7300,
        received_at: NOW - 7200,
        reason: null,
        resolved_at: null,
      },
      {
        id: id * 10 + 2,
        device_id: '91cc04be22d8',
        employee: null,
        employee_name: null,
        note: '',
        observed_at: NOW - 70,
        received_at: NOW - 60,
        reason: null,
        resolved_at: null,
      },
    ],
  };
};

export const feed = (): Feed => ({
  publisher: true,
  version: 41,
  published_at: NOW - 86_400,
  pending: [
    {
      kind: 'phone',
      value: '+85255550101',
      category: 'fake_support',
      from_report: '#11',
      actor: 'console:alice',
      added_at: NOW - 600,
    },
    {
      kind: 'url',
      value: HOSTILE,
      category: 'phishing',
      from_report: '#12',
      actor: 'console:bob',
      added_at: NOW - 300,
    },
  ],
  allow_pending: [
    {
      kind: 'url',
      value: 'https://bank.example/login',
      category: 'other',
      from_report: '#13',
      actor: 'console:carol',
      added_at: NOW - 200,
      label: 'Bank of Example sign-in',
    },
  ],
});

export const devices = (): Device[] => [
  {
    device_id: 'a3f09c1d7e5b',
    public_key: 'r0XQ2mYk6aO1bqvJ9y3C7zU8pL5wN4tE2sD1fG0hJkM',
    employee_id: 'E1024',
    employee_name: 'Chan Tai Man',
    hostname: 'CTM-LAPTOP',
    os: 'Windows 11 23H2',
    app_version: '1.4.2',
    enrolled_at: NOW - 30 * 86_400,
    enrolled_from: '203.0.113.7',
    cert_serial: '7f3a91',
    cert_expires_at: NOW + 335 * 86_400,
    revoked_at: null,
    revoke_reason: null,
    totp_confirmed: true,
  },
  {
    device_id: '91cc04be22d8',
    public_key: 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5',
    employee_id: 'E2048',
    employee_name: HOSTILE,
    hostname: 'RECEPTION-PC',
    os: 'macOS 15.1',
    app_version: '1.3.9',
    enrolled_at: NOW - 60 * 86_400,
    enrolled_from: '203.0.113.9',
    cert_serial: '7f3a92',
    cert_expires_at: NOW + 305 * 86_400,
    revoked_at: NOW - 86_400,
    revoke_reason: 'Laptop lost on the MTR',
    totp_confirmed: false,
  },
];

export const deviceDetail = (): DeviceDetail => ({
  ...devices()[0]!,
  reports: [
    {
      id: 111,
      device_id: 'a3f09c1d7e5b',
      kind: 'check',
      item: '+85255550101',
      dedup_key: 'check|+85255550101',
      verdict: ['fake_support'],
      note: 'He said he was from Microsoft',
      observed_at: NOW - 7300,
      received_at: NOW - 7200,
      status: 'new',
      reason: null,
      resolved_at: null,
    },
  ],
});

export const codes = (): EnrolmentCode[] => [
  {
    id: 'c0de01',
    employee: 'E3001',
    name: 'Lee Ka Yan',
    kind: 'employee',
    created_at: NOW - 3600,
    expires_at: 4_000_000_000,
    used_at: null,
    revoked_at: null,
  },
  {
    id: 'c0de02',
    employee: 'E3002',
    name: 'Ho Wing Sze',
    kind: 'employee',
    created_at: NOW - 10 * 86_400,
    expires_at: NOW - 7 * 86_400,
    used_at: NOW - 9 * 86_400,
    revoked_at: null,
  },
];

export const agents = (): Agent[] => [
  {
    agent_id: 'ag01',
    public_key: 'bWFkZS11cC1hZ2VudC1rZXktMQ',
    profile: {
      name: 'Wong Siu Ming',
      role: 'supervisor',
      team: 'Hong Kong desk',
      languages: ['zh-HK', 'en'],
      regions: ['HK', 'MO'],
      skills: ['billing', 'account'],
      capacity: 8,
    },
    enrolled_at: NOW - 20 * 86_400,
    enrolled_from: '203.0.113.7',
    cert_serial: '5a01',
    cert_expires_at: NOW + 345 * 86_400,
    revoked_at: null,
    revoke_reason: null,
  },
  {
    agent_id: 'ag02',
    public_key: 'bWFkZS11cC1hZ2VudC1rZXktMg',
    profile: {
      name: HOSTILE,
      role: 'agent',
      team: '',
      languages: ['ar'],
      regions: [],
      skills: [],
      capacity: 3,
    },
    enrolled_at: NOW - 10 * 86_400,
    enrolled_from: '203.0.113.8',
    cert_serial: '5a02',
    cert_expires_at: NOW + 355 * 86_400,
    revoked_at: NOW - 86_400,
    revoke_reason: 'Left the company',
  },
];

export const policy = (): RegionPolicy => ({
  regions: ['HK', 'MO'],
  cidrs: ['10.0.0.0/8', '2001:db8::/32'],
  updated_at: NOW - 3 * 86_400,
});

export const dashboard = (): Dashboard => ({
  devices: { enrolled: 128, revoked: 4, two_factor_pending: 5 },
  reports: { open: 7, today: 3 },
  feed: {
    version: 41,
    published_at: NOW - 86_400,
    stale_devices: 2,
    freshness: {
      newest_version: 41,
      current: 120,
      stale: [
        {
          device_id: '91cc04be22d8',
          employee_id: 'E2048',
          employee_name: 'Wong Siu Ming',
          feed_version: 38,
          synced_at: NOW - 9 * 86_400,
          last_check_in: NOW - 9 * 86_400,
        },
        {
          device_id: 'b7710e9a03c4',
          employee_id: 'E4096',
          employee_name: HOSTILE,
          feed_version: null,
          synced_at: null,
          last_check_in: NOW - 3 * 86_400,
        },
      ],
      stale_count: 2,
      never_checked_in: 6,
    },
  },
  checklist: [
    { team: '', devices: 128, reporting: 96, complete: 80, steps_done: 610, steps_total: 768 },
  ],
  admins: 3,
  drills: { owner: 'Security team', next_due: NOW + 10 * 86_400, due_soon: true },
});

/** The operation log's records, oldest first (seq 1..n). */
export const OPS: Omit<Op, 'proof'>[] = [
  ['console:alice', 'console.signin', 'alice', '', 'ok', '{}'],
  ['console:alice', 'codes.issue', 'c0de01', '', 'ok', '{"employee":"E3001","ttl":"72h"}'],
  ['anonymous', 'console.signin', 'mallory', '', 'refused', '{"reason":"unauthenticated"}'],
  ['console:bob', 'reports.reject', '9', '', 'ok', '{"reason":"duplicate of 3"}'],
  ['cli', 'feed.publish', '41', '', 'ok', '{"added":2}'],
  [
    'console:alice',
    'devices.revoke',
    '91cc04be22d8',
    '91cc04be22d8',
    'ok',
    `{"reason":${JSON.stringify(HOSTILE)}}`,
  ],
].map(([actor, action, target, device, outcome, detail], i) => ({
  seq: i + 1,
  at: NOW - 3600 + i * 300,
  actor: actor!,
  action: action!,
  target: target!,
  device: device!,
  outcome: outcome!,
  detail: detail!,
}));

export const OPLOG_ORIGIN = 'desk.example/verity-desk/oplog';
/** A fixed Ed25519 test key (seed 0x11…11): tests only. */
const PKCS8_PREFIX = [
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];
export const OPLOG_PUBLIC_KEY = '0EqyMnQrtKs6E2i9RhXk5tAiSrcaAWuvhSCjMsl3hzc=';

async function signNote(text: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'pkcs8',
    new Uint8Array([...PKCS8_PREFIX, ...new Array<number>(32).fill(0x11)]),
    { name: 'Ed25519' },
    false,
    ['sign'],
  );
  const pub = Uint8Array.from(atob(OPLOG_PUBLIC_KEY), (c) => c.charCodeAt(0));
  const hashInput = new Uint8Array([...new TextEncoder().encode(`${OPLOG_ORIGIN}\n`), 1, ...pub]);
  const keyHash = new Uint8Array(await crypto.subtle.digest('SHA-256', hashInput)).slice(0, 4);
  const sig = new Uint8Array(
    await crypto.subtle.sign({ name: 'Ed25519' }, key, new TextEncoder().encode(text)),
  );
  return `${text}\n\u2014 ${OPLOG_ORIGIN} ${toBase64(new Uint8Array([...keyHash, ...sig]))}\n`;
}

/**
 * `GET /oplog` as the desk answers it, over the first `size` records: real leaf hashes, real
 * inclusion proofs, a checkpoint note really signed (Ed25519). Newest first.
 */
export async function oplog(size = OPS.length): Promise<OpLog> {
  const records = OPS.slice(0, size);
  const leaves = records.map((op) => leafBytes({ ...op, proof: [] }));
  const root = toBase64(await rootOf(leaves));
  const note = await signNote(`${OPLOG_ORIGIN}\n${size}\n${root}\n`);
  const entries: Op[] = [];
  for (const op of records) {
    const proof = await inclusionPath(op.seq - 1, leaves);
    entries.push({ ...op, proof: proof.map(toBase64) });
  }
  return {
    entries: entries.reverse(),
    checkpoint: { size, root, signed_at: NOW - 60, note },
    key: {
      name: OPLOG_ORIGIN,
      vkey: `${OPLOG_ORIGIN}+bc15674d+AdBKsjJ0K7SrOhNovUYV5ObQIkq3GgFrr4UgozLJd4c3`,
      public_key: OPLOG_PUBLIC_KEY,
    },
    truncated: false,
  };
}

/** `GET /oplog/consistency?from=N` to the full log. */
export async function oplogConsistency(from: number): Promise<Consistency> {
  const leaves = OPS.map((op) => leafBytes({ ...op, proof: [] }));
  const proof = await subproof(from, leaves);
  return { old_size: from, new_size: OPS.length, proof: proof.map(toBase64) };
}

/** A leaf hash of a record (to check fixtures). */
export const opLeafHash = async (op: Omit<Op, 'proof'>): Promise<string> =>
  toBase64(await leafHash(leafBytes({ ...op, proof: [] })));

// Drills (docs/drills.md)

const lure = (sender: string, body: string, follow_ups: string[] = []): LureText => ({
  sender,
  body,
  follow_ups,
});

export const drillScenarios = (): DrillScenario[] => [
  {
    id: 'support_code',
    channel: 'support_chat',
    text: {
      en: lure('DingTalk Support', 'Please tell me the 6-digit verification code.', [
        'Call our hotline +852 3000 0001.',
      ]),
      'zh-HK': lure('釘釘客服', '請把 6 位數驗證碼告訴我。', ['可致電客服熱線 +852 3000 0001。']),
      'zh-CN': lure('钉钉客服', '请把 6 位验证码告诉我。', ['可拨打客服热线 +852 3000 0001。']),
      ar: lure('دعم DingTalk', 'أرسل لي رمز التحقق المكوّن من 6 أرقام.', [
        'اتصل بخط الدعم +852 3000 0001.',
      ]),
    },
  },
  {
    id: 'freeze_threat',
    channel: 'notification',
    text: {
      en: lure(
        'DingTalk Service',
        'Your account will be frozen today. Verify at https://drill.acme.example/v',
      ),
      'zh-HK': lure('釘釘服務', '你的帳戶今日將被凍結。請到 https://drill.acme.example/v 驗證。'),
      'zh-CN': lure('钉钉服务', '您的账号今天将被冻结。请到 https://drill.acme.example/v 验证。'),
      ar: lure('خدمة DingTalk', 'سيُجمَّد حسابك اليوم. تحقّق على https://drill.acme.example/v'),
    },
  },
];

export const reservedList = (): Reserved[] => [
  {
    id: 1,
    kind: 'number',
    value: '+85230000001',
    label: 'Drill line 1',
    added_by: 'alice',
    added_at: NOW - 10 * 86_400,
  },
  {
    id: 2,
    kind: 'link',
    value: 'https://drill.acme.example/v',
    label: 'Drill site',
    added_by: 'alice',
    added_at: NOW - 10 * 86_400,
  },
];

const totals = (over: Partial<DrillTotals> = {}): DrillTotals => ({
  targets: 40,
  delivered: 38,
  reported: 19,
  engaged: 6,
  ignored: 9,
  pending: 4,
  report_rate: 0.5,
  engage_rate: 6 / 38,
  median_report_secs: 1_380,
  ...over,
});

export const drillSummaries = (): DrillSummary[] => [
  {
    id: 'd-00112233aabbccdd',
    name: 'Q4 code drill',
    scenario: 'support_code',
    channel: 'support_chat',
    number: '+85230000001',
    link: 'https://drill.acme.example/v',
    audience: { all: true },
    window_start: NOW - 5 * 86_400,
    window_end: NOW + 9 * 86_400,
    working_days: 10,
    act_secs: 72 * 3600,
    created_by: 'alice',
    created_at: NOW - 6 * 86_400,
    cancelled_at: null,
    state: 'running',
    totals: totals(),
  },
  {
    id: 'd-99887766ffeeddcc',
    name: HOSTILE,
    scenario: 'freeze_threat',
    channel: 'notification',
    number: '+85230000001',
    link: 'https://drill.acme.example/v',
    audience: { teams: ['Finance'] },
    window_start: NOW - 100 * 86_400,
    window_end: NOW - 86 * 86_400,
    working_days: 10,
    act_secs: 72 * 3600,
    created_by: 'alice',
    created_at: NOW - 101 * 86_400,
    cancelled_at: null,
    state: 'ended',
    totals: totals({
      targets: 12,
      delivered: 0,
      reported: 0,
      engaged: 0,
      ignored: 0,
      pending: 0,
      report_rate: null,
      engage_rate: null,
      median_report_secs: null,
    }),
  },
];

export const drillResults = (): DrillResults => ({
  ...drillSummaries()[0]!,
  teams: [
    {
      team: 'Finance',
      ...totals({ targets: 15, delivered: 15, reported: 9, engaged: 4 }),
      report_rate: 0.6,
      engage_rate: 4 / 15,
      median_report_secs: 600,
    },
    {
      team: 'Sales',
      ...totals({ targets: 25, delivered: 23, reported: 10, engaged: 2 }),
      report_rate: 10 / 23,
      engage_rate: 2 / 23,
      median_report_secs: 5_400,
    },
  ],
  repeat_engagers: 3,
});

export const drillPeople = (): DrillPerson[] => [
  {
    employee_id: 'E1001',
    employee_name: 'Chan Tai Man',
    team: 'Finance',
    device_id: 'a3f09c1d7e5b',
    deliver_at: NOW - 4 * 86_400,
    delivered_at: NOW - 4 * 86_400 + 30,
    outcome: 'engaged',
    how: 'typed_code',
    outcome_at: NOW - 4 * 86_400 + 400,
    engaged_before: true,
  },
];

export const drillTrend = (): DrillTrend => ({
  quarters: [
    {
      quarter: '2026-Q3',
      drills: 1,
      delivered: 30,
      report_rate: 0.3,
      engage_rate: 0.25,
      median_report_secs: 7_200,
    },
    {
      quarter: '2026-Q4',
      drills: 1,
      delivered: 38,
      report_rate: 0.5,
      engage_rate: 6 / 38,
      median_report_secs: 1_380,
    },
  ],
  repeat_engagers: 3,
});

export const programme = (over: Partial<Programme> = {}): Programme => ({
  owner: 'Security team',
  every_months: 3,
  next_due: NOW + 10 * 86_400,
  due_soon: true,
  ...over,
});
