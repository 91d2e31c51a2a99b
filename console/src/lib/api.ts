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
  id: string;
  label: string;
  created_at: number;
  last_used_at: number | null;
};
export type Me = {
  name: string;
  role: Role;
  csrf: string;
  reauth_until: number | null;
  passkeys: Passkey[];
  language: string | null;
};

export type Ceremony<O> = { ceremony: string; options: O };

export type Dashboard = {
  devices: { enrolled: number; revoked: number };
  reports: { open: number };
  feed: { version: number; published_at: number | null; stale_devices: number };
  admins: number;
};

export type EnrolmentCode = {
  id: string;
  employee: string;
  kind: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
};
export type IssuedCode = { id: string; code: string; link: string; expires_at: number };

/** Not spelled out by the contract (`Device` is named, not defined): the fields the UI reads. */
export type Device = {
  id: string;
  employee: string;
  name?: string | null;
  platform?: string | null;
  enrolled_at?: number | null;
  last_seen_at?: number | null;
  revoked_at?: number | null;
  feed_version?: number | null;
  reports?: unknown[];
};

export type ReportStatus = 'new' | 'confirmed' | 'rejected';
export const REPORT_STATUSES: readonly ReportStatus[] = ['new', 'confirmed', 'rejected'];
export type ReportGroup = {
  id: string;
  kind: string;
  item: string;
  status: ReportStatus;
  reports: number;
  devices: number;
  first_received: number;
  last_received: number;
  verdict: string | null;
};
export type Report = {
  id: string;
  device_id: string;
  employee: string;
  note: string | null;
  observed_at: number | null;
  received_at: number;
};
/**
 * The contract's detail is `{...group, reports: [...]}`: the list replaces the group's `reports`
 * count (the count is then `reports.length`).
 */
export type ReportGroupDetail = Omit<ReportGroup, 'reports'> & { reports: Report[] };
export type Category = 'scam_phone' | 'scam_link' | 'impersonation' | 'other';
export const CATEGORIES: readonly Category[] = [
  'scam_phone',
  'scam_link',
  'impersonation',
  'other',
];

export type PendingEntry = { kind: string; value: string; category: string; from_report: string };
export type Feed = {
  version: number;
  published_at: number | null;
  pending: PendingEntry[];
  allow_pending: PendingEntry[];
};
export type Published = { version: number; added: number; entries: number };

export type Op = {
  seq: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  device: string | null;
  outcome: string;
  detail: string | null;
};
export type OpLog = {
  entries: Op[];
  checkpoint: { size: number; root: string; signed_at: number } | null;
  verified_to: number | null;
};
export type OpLogQuery = {
  from: number;
  to: number;
  actor?: string;
  action?: string;
  target?: string;
  device?: string;
  outcome?: string;
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
  passkeyRemove: (id: string) =>
    post<{ passkeys: Passkey[] }>(`/passkey/${encodeURIComponent(id)}/remove`),
  signOut: () => post<undefined>('/signout'),

  dashboard: () => get<Dashboard>('/dashboard'),
  codes: () => get<EnrolmentCode[]>('/codes'),
  issueCode: (employee: string, ttl: string) => post<IssuedCode>('/codes', { employee, ttl }),
  revokeCode: (id: string) =>
    post<{ id: string; revoked_at: number }>(`/codes/${encodeURIComponent(id)}/revoke`),
  devices: (q: string) => get<Device[]>(`/devices${query({ q })}`),
  device: (id: string) => get<Device>(`/devices/${encodeURIComponent(id)}`),
  revokeDevice: (id: string, reason: string) =>
    post<Device>(`/devices/${encodeURIComponent(id)}/revoke`, { reason }),
  resetTotp: (id: string) => post<Device>(`/devices/${encodeURIComponent(id)}/reset-totp`),

  reports: (status: ReportStatus) => get<ReportGroup[]>(`/reports${query({ status })}`),
  report: (id: string) => get<ReportGroupDetail>(`/reports/${encodeURIComponent(id)}`),
  confirmReport: (id: string, category: Category, reason: string) =>
    post<ReportGroup>(`/reports/${encodeURIComponent(id)}/confirm`, { category, reason }),
  rejectReport: (id: string, reason: string) =>
    post<ReportGroup>(`/reports/${encodeURIComponent(id)}/reject`, { reason }),
  feed: () => get<Feed>('/feed'),
  publishFeed: () => post<Published>('/feed/publish'),

  oplog: (q: OpLogQuery) => get<OpLog>(`/oplog${query(q)}`),
};

/** The CSV export's address (a plain link: the browser downloads it with the session cookie). */
export function oplogExportHref(q: OpLogQuery): string {
  return `${API_BASE}/oplog/export.csv${query(q)}`;
}
