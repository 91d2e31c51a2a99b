/**
 * The desk's console API (docs/console-api.md). This module is the ONLY place that calls `fetch`
 * (ESLint `no-restricted-globals`): every request is same-origin with the session cookie, every
 * request other than GET/HEAD carries `X-Verity-CSRF`, every failure becomes an `ApiError` whose
 * `code` the UI branches on, a `reauth_required` answer asks the user to sign in again (through
 * the handler the shell installs) and retries once, and an `unauthenticated` answer to a signed-in
 * call sends the user back to the sign-in screen.
 */

export const API_BASE = '/console/api';

export const ERROR_CODES = [
  'unauthenticated',
  'forbidden',
  'reauth_required',
  'csrf',
  'locked',
  'invalid_input',
  'not_found',
  'conflict',
  'too_large',
  'internal',
  /** Not from the desk: the request never got an answer. */
  'network',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** For `invalid_input`: the form field at fault. */
  readonly field: string | undefined;
  /** For `locked`: seconds until the account may try again. */
  readonly retryAfter: number | undefined;

  constructor(
    code: ErrorCode,
    status: number,
    message: string,
    extra: { field?: string; retryAfter?: number } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.field = extra.field;
    this.retryAfter = extra.retryAfter;
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

/** Any thrown value as an `ApiError` (a bug in the UI becomes `internal`). */
export function asApiError(value: unknown): ApiError {
  if (value instanceof ApiError) return value;
  return new ApiError('internal', 0, value instanceof Error ? value.message : String(value));
}

// ---------------------------------------------------------------------------------------------
// Types of the contract
// ---------------------------------------------------------------------------------------------

export type Role = 'admin' | 'analyst' | 'auditor';
export type Passkey = {
  /** The desk's number for it (`PasskeyRecord.id`, an integer). */
  id: number;
  label: string;
  created_at: number;
  last_used_at: number | null;
};
export type Me = {
  name: string;
  role: Role;
  csrf: string;
  /** Until when sensitive actions need no re-authentication (0 or past when they do). */
  reauth_until: number;
  passkeys: Passkey[];
  /** The account's language (`en` unless set otherwise). */
  language: string;
};

export type Ceremony<O> = { ceremony: string; options: O };

/** `dashboard.rs`'s `StaleDevice`: a device behind on the feed. */
export type StaleDevice = {
  device_id: string;
  employee_id: string;
  employee_name: string;
  /** The feed version it last synced, `null` when it never did. */
  feed_version: number | null;
  synced_at: number | null;
  last_check_in: number | null;
};
export type FeedFreshness = {
  newest_version: number | null;
  current: number;
  stale: StaleDevice[];
  stale_count: number;
  never_checked_in: number;
};
export type TeamProgress = {
  /** `""` until teams exist: the whole organisation. */
  team: string;
  devices: number;
  reporting: number;
  complete: number;
  steps_done: number;
  steps_total: number;
};
export type Dashboard = {
  devices: { enrolled: number; revoked: number; two_factor_pending: number };
  reports: { open: number; today: number };
  feed: {
    version: number | null;
    published_at: number | null;
    stale_devices: number;
    freshness: FeedFreshness;
  };
  checklist: TeamProgress[];
  admins: number;
  /** The drill programme's reminder (absent from a desk before drills). */
  drills?: { owner: string | null; next_due: number | null; due_soon: boolean };
};

/** `store::EnrollCodeListing`. */
export type EnrolmentCode = {
  id: string;
  /** The employee id (`agent` for an agent's code). */
  employee: string;
  name: string;
  kind: 'employee' | 'agent';
  created_at: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
};
export type IssuedCode = { id: string; code: string; link: string; expires_at: number };

export type AgentRole = 'agent' | 'supervisor';
export const AGENT_ROLES: readonly AgentRole[] = ['agent', 'supervisor'];
/** A support agent's profile, signed into the agent certificate at enrolment. */
export type AgentProfile = {
  name: string;
  role: AgentRole;
  team: string;
  /** Language tags, like `zh-HK`. */
  languages: string[];
  /** ISO 3166 region codes, like `HK`. */
  regions: string[];
  skills: string[];
  /** Conversations at once, 1–50. */
  capacity: number;
};
/** An enrolled support agent (`GET /agents`). */
export type Agent = {
  agent_id: string;
  public_key: string;
  profile: AgentProfile;
  enrolled_at: number;
  enrolled_from: string;
  cert_serial: string;
  cert_expires_at: number;
  revoked_at: number | null;
  revoke_reason: string | null;
};
/** Where support agents may work from; `null` when none is set. */
export type RegionPolicy = { regions: string[]; cidrs: string[]; updated_at: number };

/** `store::DeviceRecord`. */
export type Device = {
  /** SHA-256 of the public key, hex. */
  device_id: string;
  /** Ed25519 public key, base64url. */
  public_key: string;
  employee_id: string;
  employee_name: string;
  hostname: string;
  os: string;
  app_version: string;
  enrolled_at: number;
  enrolled_from: string;
  cert_serial: string;
  cert_expires_at: number;
  revoked_at: number | null;
  revoke_reason: string | null;
  totp_confirmed: boolean;
};
/** `store::ReportRecord`: a report as a device's detail lists it. */
export type DeviceReport = {
  id: number;
  device_id: string;
  kind: string;
  item: string | null;
  dedup_key: string;
  verdict: string[];
  note: string;
  observed_at: number;
  received_at: number;
  status: ReportStatus;
  reason: string | null;
  resolved_at: number | null;
};
/** `service::console::DeviceDetail`: the device with its latest 100 reports. */
export type DeviceDetail = Device & { reports: DeviceReport[] };

export type ReportStatus = 'new' | 'confirmed' | 'rejected';
export const REPORT_STATUSES: readonly ReportStatus[] = ['new', 'confirmed', 'rejected'];
/** `service::triage::TriageLine`. */
export type ReportGroup = {
  id: number;
  /** `check`, `threat`, `appeal`, `tripwire_remote_tool`, `tripwire_code_guard`, `support_message`, `other`. */
  kind: string;
  item: string | null;
  status: ReportStatus;
  /** How many reports. */
  reports: number;
  devices: number;
  first_received: number;
  last_received: number;
  /** The first report's verdict codes, comma-separated. */
  verdict: string | null;
  /** Whether confirming adds a feed entry. */
  feed_item: boolean;
};
/** `service::triage::LineReport`. */
export type Report = {
  id: number;
  device_id: string;
  employee: string | null;
  employee_name: string | null;
  note: string;
  observed_at: number;
  received_at: number;
  reason: string | null;
  resolved_at: number | null;
};
/** `service::triage::TriageDetail`. */
export type ReportGroupDetail = Omit<ReportGroup, 'reports'> & { count: number; reports: Report[] };
export type Category = 'fake_support' | 'fake_upgrade' | 'freeze_threat' | 'phishing' | 'other';
export const CATEGORIES: readonly Category[] = [
  'fake_support',
  'fake_upgrade',
  'freeze_threat',
  'phishing',
  'other',
];
export type LinkScope = 'url' | 'domain';

/** `service::triage::PendingItem`. */
export type PendingEntry = {
  kind: string;
  value: string;
  category: string;
  from_report: string;
  actor: string;
  added_at: number;
};
/** An upheld appeal waiting for the next feed version: `PendingEntry` with the allowlist's name. */
export type AllowPendingEntry = PendingEntry & { label: string };
/** `service::triage::FeedView`. */
export type Feed = {
  publisher: boolean;
  version: number | null;
  published_at: number | null;
  pending: PendingEntry[];
  allow_pending: AllowPendingEntry[];
};
/** `feedpub::Published`. */
export type Published = { version: number; added: number; entries: number; items: number };

/** An operation-log entry (`store::OpRecord` with its inclusion proof). */
export type Op = {
  seq: number;
  at: number;
  actor: string;
  action: string;
  target: string;
  device: string;
  outcome: string;
  /** The JSON text as stored (the exact bytes hashed). */
  detail: string;
  /** The inclusion proof of leaf `seq - 1`, base64 hashes. */
  proof: string[];
};
export type Checkpoint = { size: number; root: string; signed_at: number; note: string };
export type LogKey = { name: string; vkey: string; public_key: string };
export type OpLog = {
  entries: Op[];
  checkpoint: Checkpoint | null;
  key: LogKey;
  truncated: boolean;
};
export type Consistency = { old_size: number; new_size: number; proof: string[] };
export type OpLogQuery = {
  from: number;
  to: number;
  actor?: string;
  action?: string;
  target?: string;
  device?: string;
  outcome?: string;
};

// Drills (docs/drills.md)

export type Scenario = 'support_code' | 'remote_access' | 'paid_upgrade' | 'freeze_threat';
export const SCENARIOS: readonly Scenario[] = [
  'support_code',
  'remote_access',
  'paid_upgrade',
  'freeze_threat',
];
export type Channel = 'notification' | 'support_chat';
export const LURE_LANGUAGES = ['en', 'zh-HK', 'zh-CN', 'ar'] as const;
export type LureLanguage = (typeof LURE_LANGUAGES)[number];
/** `proto::drill::LureText`: a lure's words in one language. */
export type LureText = { sender: string; body: string; follow_ups: string[] };
/** A scenario of the library with its words in the four languages. */
export type DrillScenario = {
  id: Scenario;
  channel: Channel;
  text: Record<LureLanguage, LureText>;
};
export type ReservedKind = 'number' | 'link';
/** A number or link on the organisation's reserved drill list. */
export type Reserved = {
  id: number;
  kind: ReservedKind;
  value: string;
  label: string;
  added_by: string;
  added_at: number;
};
export type Audience = { all: true } | { teams: string[] };
export type DrillState = 'scheduled' | 'running' | 'ended' | 'cancelled';
/** A drill's (or a team's) counts and rates; rates are 0–1, `null` when nothing was delivered. */
export type DrillTotals = {
  targets: number;
  delivered: number;
  reported: number;
  engaged: number;
  ignored: number;
  pending: number;
  report_rate: number | null;
  engage_rate: number | null;
  median_report_secs: number | null;
};
export type DrillSummary = {
  id: string;
  name: string;
  scenario: Scenario;
  channel: Channel;
  number: string;
  link: string;
  audience: Audience;
  window_start: number;
  window_end: number;
  working_days: number;
  act_secs: number;
  created_by: string;
  created_at: number;
  cancelled_at: number | null;
  state: DrillState;
  totals: DrillTotals;
};
export type TeamTotals = DrillTotals & { team: string };
export type DrillResults = DrillSummary & { teams: TeamTotals[]; repeat_engagers: number };
export type DrillOutcomeName = 'reported' | 'engaged' | 'ignored';
/** One employee's result in a drill (admins only; each view is logged). */
export type DrillPerson = {
  employee_id: string;
  employee_name: string;
  team: string;
  device_id: string;
  deliver_at: number;
  delivered_at: number | null;
  outcome: DrillOutcomeName | null;
  how: string | null;
  outcome_at: number | null;
  engaged_before: boolean;
};
export type QuarterTrend = {
  /** Like `2026-Q4`. */
  quarter: string;
  drills: number;
  delivered: number;
  report_rate: number | null;
  engage_rate: number | null;
  median_report_secs: number | null;
};
export type DrillTrend = { quarters: QuarterTrend[]; repeat_engagers: number };
export type Programme = {
  /** `null` until an owner is named. */
  owner: string | null;
  every_months: number;
  next_due: number | null;
  due_soon: boolean;
};
export const EVERY_MONTHS: readonly number[] = [1, 2, 3, 4, 6, 12];
export type NewDrill = {
  name: string;
  scenario: Scenario;
  number: string;
  link: string;
  audience: Audience;
  /** Unix seconds. */
  start: number;
  working_days: number;
  act_hours?: number;
};

// ---------------------------------------------------------------------------------------------
// The request machinery
// ---------------------------------------------------------------------------------------------

let csrf: string | null = null;
let reauthHandler: (() => Promise<boolean>) | null = null;
let unauthenticatedHandler: (() => void) | null = null;

/** The shell installs these: re-authenticate (resolve true to retry), and "back to sign-in". */
export function setHandlers(handlers: {
  reauth: (() => Promise<boolean>) | null;
  unauthenticated: (() => void) | null;
}): void {
  reauthHandler = handlers.reauth;
  unauthenticatedHandler = handlers.unauthenticated;
}

/** Forgets the CSRF token at sign-out (the handlers stay for the next session). */
export function forgetSession(): void {
  csrf = null;
}

/** Forgets the CSRF token and the handlers (tests). */
export function resetApi(): void {
  csrf = null;
  reauthHandler = null;
  unauthenticatedHandler = null;
}

type Options = {
  body?: unknown;
  /** A sign-in call: a 401 is the answer, not a lost session, and never asks to re-authenticate. */
  signIn?: boolean;
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function knownCode(code: unknown): ErrorCode {
  return (ERROR_CODES as readonly unknown[]).includes(code) ? (code as ErrorCode) : 'internal';
}

async function errorOf(response: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (isRecord(body)) {
    const retry = body.retry_after;
    return new ApiError(
      knownCode(body.code),
      response.status,
      typeof body.message === 'string' ? body.message : '',
      {
        field: typeof body.field === 'string' ? body.field : undefined,
        retryAfter: typeof retry === 'number' ? retry : undefined,
      },
    );
  }
  const byStatus: Record<number, ErrorCode> = {
    401: 'unauthenticated',
    403: 'forbidden',
    404: 'not_found',
    409: 'conflict',
    413: 'too_large',
    429: 'locked',
  };
  return new ApiError(byStatus[response.status] ?? 'internal', response.status, '');
}

async function send(method: string, path: string, body: unknown): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') {
    headers['Content-Type'] = 'application/json';
    if (csrf) headers['X-Verity-CSRF'] = csrf;
  }
  try {
    return await fetch(`${API_BASE}${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: method === 'GET' || method === 'HEAD' ? undefined : JSON.stringify(body ?? {}),
    });
  } catch (e) {
    throw new ApiError('network', 0, e instanceof Error ? e.message : String(e));
  }
}

function remember(value: unknown): void {
  if (isRecord(value) && typeof value.csrf === 'string' && typeof value.role === 'string') {
    csrf = value.csrf;
  }
}

export async function request<T>(method: string, path: string, options: Options = {}): Promise<T> {
  let response = await send(method, path, options.body);
  if (!response.ok) {
    let error = await errorOf(response);
    if (error.code === 'reauth_required' && !options.signIn && reauthHandler) {
      if (await reauthHandler()) {
        response = await send(method, path, options.body);
        error = response.ok ? error : await errorOf(response);
      }
    }
    if (!response.ok) {
      if (error.code === 'unauthenticated' && !options.signIn) unauthenticatedHandler?.();
      throw error;
    }
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const value: unknown = text === '' ? undefined : JSON.parse(text);
  remember(value);
  return value as T;
}

const post = <T>(path: string, body: unknown = {}, signIn = false): Promise<T> =>
  request<T>('POST', path, { body, signIn });
const get = <T>(path: string): Promise<T> => request<T>('GET', path);

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') q.set(key, String(value));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

// ---------------------------------------------------------------------------------------------
// The calls
// ---------------------------------------------------------------------------------------------

export const api = {
  me: () => request<Me>('GET', '/me', { signIn: true }),
  setup: (name: string, code: string, passphrase: string) =>
    post<{ setup: string; totp_uri: string }>('/setup', { name, code, passphrase }, true),
  setupFinish: (setup: string, totp: string) => post<Me>('/setup/finish', { setup, totp }, true),
  signIn: (name: string, passphrase: string, totp: string) =>
    post<Me>('/signin', { name, passphrase, totp }, true),
  passkeySignInStart: () => post<Ceremony<unknown>>('/passkey/signin/start', {}, true),
  passkeySignInFinish: (ceremony: string, credential: unknown) =>
    post<Me>('/passkey/signin/finish', { ceremony, credential }, true),
  reauth: (passphrase: string, totp: string) => post<Me>('/reauth', { passphrase, totp }, true),
  passkeyReauthStart: () => post<Ceremony<unknown>>('/passkey/reauth/start', {}, true),
  passkeyReauthFinish: (ceremony: string, credential: unknown) =>
    post<Me>('/passkey/reauth/finish', { ceremony, credential }, true),
  passkeyRegisterStart: () => post<Ceremony<unknown>>('/passkey/register/start'),
  passkeyRegisterFinish: (ceremony: string, credential: unknown, label: string) =>
    post<{ passkeys: Passkey[] }>('/passkey/register/finish', { ceremony, credential, label }),
  passkeyRemove: (id: number) =>
    post<{ passkeys: Passkey[] }>(`/passkey/${encodeURIComponent(String(id))}/remove`),
  signOut: () => post<undefined>('/signout'),

  dashboard: () => get<Dashboard>('/dashboard'),
  codes: () => get<EnrolmentCode[]>('/codes'),
  /** `team` is omitted when blank. */
  issueCode: (employee: string, name: string, ttl: string, team = '') =>
    post<IssuedCode>('/codes', team ? { employee, name, ttl, team } : { employee, name, ttl }),
  revokeCode: (id: string) =>
    post<{ id: string; revoked_at: number }>(`/codes/${encodeURIComponent(id)}/revoke`),
  agents: () => get<Agent[]>('/agents'),
  issueAgentCode: (profile: AgentProfile, ttl: string) =>
    post<IssuedCode>('/agents', { profile, ttl }),
  revokeAgent: (id: string, reason: string) =>
    post<Agent>(`/agents/${encodeURIComponent(id)}/revoke`, { reason }),
  policy: () => get<RegionPolicy | null>('/policy'),
  /** Both empty removes the policy. */
  setPolicy: (regions: string[], cidrs: string[]) =>
    request<RegionPolicy | null>('PUT', '/policy', { body: { regions, cidrs } }),
  devices: (q: string) => get<Device[]>(`/devices${query({ q })}`),
  device: (id: string) => get<DeviceDetail>(`/devices/${encodeURIComponent(id)}`),
  revokeDevice: (id: string, reason: string) =>
    post<Device>(`/devices/${encodeURIComponent(id)}/revoke`, { reason }),
  resetTotp: (id: string) => post<Device>(`/devices/${encodeURIComponent(id)}/reset-totp`),

  reports: (status: ReportStatus) => get<ReportGroup[]>(`/reports${query({ status })}`),
  report: (id: number) => get<ReportGroupDetail>(`/reports/${id}`),
  /** `scope` for a link, `label` (the allowlist's name for it) for an appeal. */
  confirmReport: (
    id: number,
    category: Category,
    reason: string,
    extra: { scope?: LinkScope; label?: string } = {},
  ) =>
    post<ReportGroupDetail>(`/reports/${id}/confirm`, {
      category,
      reason,
      ...(extra.scope ? { scope: extra.scope } : {}),
      ...(extra.label !== undefined ? { label: extra.label } : {}),
    }),
  rejectReport: (id: number, reason: string) =>
    post<ReportGroupDetail>(`/reports/${id}/reject`, { reason }),
  feed: () => get<Feed>('/feed'),
  publishFeed: () => post<Published>('/feed/publish'),

  oplog: (q: OpLogQuery) => get<OpLog>(`/oplog${query(q)}`),
  oplogConsistency: (from: number) => get<Consistency>(`/oplog/consistency${query({ from })}`),

  drillScenarios: () => get<DrillScenario[]>('/drills/scenarios'),
  drillReserved: () => get<Reserved[]>('/drills/reserved'),
  addReserved: (kind: ReservedKind, value: string, label: string) =>
    post<Reserved[]>('/drills/reserved', { kind, value, label }),
  removeReserved: (id: number) =>
    post<Reserved[]>(`/drills/reserved/${encodeURIComponent(String(id))}/remove`),
  drills: () => get<DrillSummary[]>('/drills'),
  createDrill: (drill: NewDrill) => post<DrillSummary>('/drills', drill),
  cancelDrill: (id: string) => post<DrillSummary>(`/drills/${encodeURIComponent(id)}/cancel`),
  drill: (id: string) => get<DrillResults>(`/drills/${encodeURIComponent(id)}`),
  drillPeople: (id: string) => get<DrillPerson[]>(`/drills/${encodeURIComponent(id)}/people`),
  drillTrend: () => get<DrillTrend>('/drills/trend'),
  programme: () => get<Programme>('/drills/programme'),
  setProgramme: (owner: string, every_months: number) =>
    request<Programme>('PUT', '/drills/programme', { body: { owner, every_months } }),
};

/** A drill's export (`csv` or `pdf`): a plain link, downloaded with the session cookie. */
export function drillExportHref(id: string, format: 'csv' | 'pdf'): string {
  return `${API_BASE}/drills/${encodeURIComponent(id)}/export.${format}`;
}

/** The evidence export's address (`{checkpoint, key, entries}` for a third party). */
export function oplogEvidenceHref(q: OpLogQuery): string {
  return `${API_BASE}/oplog/evidence.json${query(q)}`;
}

/** The CSV export's address (a plain link: the browser downloads it with the session cookie). */
export function oplogExportHref(q: OpLogQuery): string {
  return `${API_BASE}/oplog/export.csv${query(q)}`;
}
