/**
 * The desk's console API answered in the browser with `page.route`, from the same fixtures as the
 * component tests. Records every API request, console error and CSP violation so that the specs
 * can assert there are none.
 */
import { test, type Page, type Request } from '@playwright/test';
import { readFileSync } from 'node:fs';
import type { Me, Role } from '../src/lib/api';
import * as fx from '../src/test-fixtures';

export type Lang = 'en' | 'ar' | 'zh-HK' | 'zh-CN';

export function strings(lang: Lang): Record<string, string> {
  const url = new URL(`../src/locales/${lang}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Record<string, string>;
}

export type DeskOptions = {
  role?: Role | null;
  lang?: Lang;
  /**
   * `METHOD /path` → status and body, replacing the default answer; a list is answered in turn
   * (the last answer then repeats).
   */
  answers?: Record<string, Reply | Reply[]>;
  /** Open the console on another host name for the same server (WebAuthn needs `localhost`). */
  host?: string;
};

export type Reply = {
  status: number;
  body?: unknown;
  /** A body that is not JSON (a CSV), sent as it is with these headers. */
  raw?: { text: string; headers: Record<string, string> };
};

export type DeskRecord = {
  requests: { method: string; path: string; headers: Record<string, string>; body: unknown }[];
  consoleErrors: string[];
  cspViolations: string[];
};

const me = (role: Role): Me => ({
  name: 'alice',
  role,
  csrf: 'csrf-e2e',
  reauth_until: 0,
  passkeys: [{ id: 1, label: 'YubiKey 5', created_at: fx.NOW - 86_400, last_used_at: null }],
  language: '',
});

function defaults(role: Role | null, oplog: unknown, consistency: unknown): Record<string, Reply> {
  const ok = (body: unknown) => ({ status: 200, body });
  return {
    'GET /me': role
      ? ok(me(role))
      : { status: 401, body: { code: 'unauthenticated', message: 'no session' } },
    'GET /reports': ok(fx.groups()),
    'GET /reports/11': ok(fx.groupDetail(11)),
    'GET /reports/12': ok(fx.groupDetail(12)),
    'GET /reports/13': ok(fx.groupDetail(13)),
    'GET /reports/14': ok(fx.groupDetail(14)),
    'POST /reports/11/confirm': ok({ ...fx.groupDetail(11), status: 'confirmed' }),
    'POST /reports/11/reject': ok({ ...fx.groupDetail(11), status: 'rejected' }),
    'GET /feed': ok(fx.feed()),
    'POST /feed/publish': ok({ version: 42, added: 2, entries: 120, items: 2 }),
    'GET /devices': ok(fx.devices()),
    'GET /devices/a3f09c1d7e5b': ok(fx.deviceDetail()),
    'GET /devices/91cc04be22d8': ok({ ...fx.devices()[1], reports: [] }),
    'POST /devices/a3f09c1d7e5b/revoke': ok({
      ...fx.devices()[0],
      revoked_at: fx.NOW,
      revoke_reason: 'Lost',
    }),
    'POST /devices/a3f09c1d7e5b/reset-totp': ok({ ...fx.devices()[0], totp_confirmed: false }),
    'GET /codes': ok(fx.codes()),
    'POST /codes': ok({
      id: 'c0de03',
      code: 'K7QF-2M9X-PL4D',
      link: 'https://desk.example/enrol#K7QF-2M9X-PL4D',
      expires_at: fx.NOW + 3 * 86_400,
    }),
    'POST /codes/c0de01/revoke': ok({ id: 'c0de01', revoked_at: fx.NOW }),
    'GET /agents': ok(fx.agents()),
    'POST /agents': ok({
      id: 'ag03',
      code: 'R2TX-8HNB-QW5C',
      link: 'https://desk.example/enrol#R2TX-8HNB-QW5C',
      expires_at: fx.NOW + 3 * 86_400,
    }),
    'POST /agents/ag01/revoke': ok({
      ...fx.agents()[0],
      revoked_at: fx.NOW,
      revoke_reason: 'Moved team',
    }),
    'GET /policy': ok(fx.policy()),
    'PUT /policy': ok({ ...fx.policy(), updated_at: fx.NOW }),
    'GET /dashboard': ok(fx.dashboard()),
    // Drills (docs/drills.md, "Console API").
    'GET /drills/programme': ok(fx.programme()),
    'PUT /drills/programme': ok(fx.programme({ owner: 'Lee', every_months: 6, due_soon: false })),
    'GET /drills': ok(fx.drillSummaries()),
    'POST /drills': ok(fx.drillSummaries()[0]),
    'GET /drills/trend': ok(fx.drillTrend()),
    'GET /drills/scenarios': ok(fx.drillScenarios()),
    'GET /drills/reserved': ok(fx.reservedList()),
    'POST /drills/reserved': ok(fx.reservedList()),
    'POST /drills/reserved/1/remove': ok(fx.reservedList().slice(1)),
    'GET /drills/d-00112233aabbccdd': ok(fx.drillResults()),
    'GET /drills/d-00112233aabbccdd/people': ok(fx.drillPeople()),
    'POST /drills/d-00112233aabbccdd/cancel': ok({
      ...fx.drillSummaries()[0],
      state: 'cancelled',
      cancelled_at: fx.NOW,
    }),
    'GET /drills/d-00112233aabbccdd/export.csv': {
      status: 200,
      raw: {
        text: 'drill,scope,team,targets\r\nd-00112233aabbccdd,drill,,40\r\n',
        headers: { 'Content-Type': 'text/csv' },
      },
    },
    'GET /oplog': ok(oplog),
    'GET /oplog/consistency': ok(consistency),
    'POST /signin': role ? ok(me(role)) : ok(me('admin')),
    'POST /setup': ok({
      setup: 'setup-token',
      totp_uri: 'otpauth://totp/Verity:alice?secret=JBSWY3DPEHPK3PXP&issuer=Verity',
    }),
    'POST /setup/finish': ok(me('admin')),
    'POST /reauth': ok(me(role ?? 'admin')),
    'POST /signout': { status: 204 },
  };
}

function headersOf(request: Request): Record<string, string> {
  return request.headers();
}

export async function openConsole(
  page: Page,
  options: DeskOptions = {},
  hash = '',
): Promise<DeskRecord> {
  const record: DeskRecord = { requests: [], consoleErrors: [], cspViolations: [] };
  const answers = {
    ...defaults(
      options.role === undefined ? 'admin' : options.role,
      await fx.oplog(),
      await fx.oplogConsistency(4),
    ),
    ...options.answers,
  };
  page.on('console', (message) => {
    if (message.type() === 'error') record.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => record.consoleErrors.push(error.message));
  await page.exposeFunction('__cspViolation', (text: string) => record.cspViolations.push(text));
  await page.addInitScript((lang: string) => {
    localStorage.setItem('verity-console-language', lang);
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __cspViolation: (t: string) => void }).__cspViolation(
        `${e.violatedDirective} ${e.blockedURI}`,
      );
    });
  }, options.lang ?? 'en');
  await page.route('**/console/api/**', async (route) => {
    const request = route.request();
    const url = new URL(request.url());
    const path = url.pathname.replace(/^\/console\/api/, '');
    const key = `${request.method()} ${path}`;
    const body = request.postData();
    record.requests.push({
      method: request.method(),
      path: `${path}${url.search}`,
      headers: headersOf(request),
      body: body ? (JSON.parse(body) as unknown) : undefined,
    });
    const listed = answers[key];
    const answer: Reply = Array.isArray(listed)
      ? ((listed.length > 1 ? listed.shift() : listed[0]) ?? { status: 500 })
      : (listed ?? { status: 404, body: { code: 'not_found', message: key } });
    await route.fulfill(
      answer.raw
        ? { status: answer.status, headers: answer.raw.headers, body: answer.raw.text }
        : {
            status: answer.status,
            contentType: 'application/json',
            body: answer.body === undefined ? '' : JSON.stringify(answer.body),
          },
    );
  });
  if (options.host) {
    const url = new URL(test.info().project.use.baseURL ?? 'http://127.0.0.1/console/');
    url.hostname = options.host;
    url.hash = hash;
    await page.goto(url.toString());
  } else await page.goto(hash ? `./${hash}` : './');
  return record;
}

/** Chromium logs every 4xx fetch as a console error; a 401 from GET /me is the signed-out answer. */
export function unexpectedErrors(record: DeskRecord, allowStatus: number[] = []): string[] {
  return record.consoleErrors.filter(
    (text) =>
      !allowStatus.some((status) =>
        text.includes(`the server responded with a status of ${status}`),
      ),
  );
}
