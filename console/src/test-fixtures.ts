/** Realistic desk answers, shared by the component tests and the Playwright mocks. */
import type {
  Dashboard,
  Device,
  EnrolmentCode,
  Feed,
  OpLog,
  ReportGroup,
  ReportGroupDetail,
} from './lib/api';

export const NOW = 1_796_000_000;

/** Hostile input as an employee might report it: markup, a script URL, bidi tricks. */
export const HOSTILE = '<img src=x onerror="window.pwned=1">javascript:alert(1)\u202Egnp.exe';
/** How the console shows it: the same characters, the bidi override made visible. */
export const HOSTILE_SHOWN =
  '<img src=x onerror="window.pwned=1">javascript:alert(1)⟨U+202E⟩gnp.exe';

export const groups = (): ReportGroup[] => [
  {
    id: 'g1',
    kind: 'phone',
    item: '+852 5555 0101',
    status: 'new',
    reports: 3,
    devices: 2,
    first_received: NOW - 7200,
    last_received: NOW - 60,
    verdict: null,
  },
  {
    id: 'g2',
    kind: 'link',
    item: HOSTILE,
    status: 'new',
    reports: 1,
    devices: 1,
    first_received: NOW - 3600,
    last_received: NOW - 3600,
    verdict: null,
  },
];

export const groupDetail = (id = 'g1'): ReportGroupDetail => {
  const group = groups().find((g) => g.id === id) ?? groups()[0]!;
  return {
    ...group,
    reports: [
      {
        id: `${id}-r1`,
        device_id: 'dev-7f3a',
        employee: 'E1024 Chan Tai Man',
        note: '<b>called me</b> claiming to be <a href="https://evil.example">the bank</a>',
        observed_at: NOW - 7300,
        received_at: NOW - 7200,
      },
      {
        id: `${id}-r2`,
        device_id: 'dev-91cc',
        employee: 'E2048 Wong Siu Ming',
        note: null,
        observed_at: null,
        received_at: NOW - 60,
      },
    ],
  };
};

export const feed = (): Feed => ({
  version: 41,
  published_at: NOW - 86_400,
  pending: [
    { kind: 'phone', value: '+852 5555 0101', category: 'scam_phone', from_report: 'g1' },
    { kind: 'link', value: HOSTILE, category: 'scam_link', from_report: 'g2' },
  ],
  allow_pending: [],
});

export const devices = (): Device[] => [
  {
    id: 'dev-7f3a',
    employee: 'E1024',
    name: 'Chan Tai Man’s laptop',
    platform: 'Windows 11',
    enrolled_at: NOW - 30 * 86_400,
    last_seen_at: NOW - 300,
    revoked_at: null,
    feed_version: 41,
  },
  {
    id: 'dev-91cc',
    employee: 'E2048',
    name: 'Reception PC',
    platform: 'macOS 15',
    enrolled_at: NOW - 60 * 86_400,
    last_seen_at: NOW - 9 * 86_400,
    revoked_at: NOW - 86_400,
    feed_version: 38,
  },
];

export const codes = (): EnrolmentCode[] => [
  {
    id: 'code-1',
    employee: 'E3001',
    kind: 'device',
    created_at: NOW - 3600,
    expires_at: 4_000_000_000,
    used_at: null,
    revoked_at: null,
  },
  {
    id: 'code-2',
    employee: 'E3002',
    kind: 'device',
    created_at: NOW - 10 * 86_400,
    expires_at: NOW - 7 * 86_400,
    used_at: NOW - 9 * 86_400,
    revoked_at: null,
  },
];

export const dashboard = (): Dashboard => ({
  devices: { enrolled: 128, revoked: 4 },
  reports: { open: 7 },
  feed: { version: 41, published_at: NOW - 86_400, stale_devices: 3 },
  admins: 3,
});

export const oplog = (): OpLog => ({
  entries: [
    {
      seq: 1201,
      at: NOW - 600,
      actor: 'alice',
      action: 'report.reject',
      target: 'g9',
      device: null,
      outcome: 'ok',
      detail: 'reason: duplicate of g3',
    },
    {
      seq: 1202,
      at: NOW - 300,
      actor: 'bob',
      action: 'signin',
      target: null,
      device: null,
      outcome: 'failed',
      detail: null,
    },
  ],
  checkpoint: { size: 1200, root: 'b3f1c0ffee', signed_at: NOW - 900 },
  verified_to: 1200,
});
