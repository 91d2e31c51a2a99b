/**
 * A stand-in for the desk in component tests: `mockDesk({ 'GET /me': me, 'POST /signin': … })`
 * replaces `fetch`, answers each `METHOD /path` (path after `/console/api`, query ignored) from
 * the table, and records every request.
 */
import { vi } from 'vitest';
import type { Me } from './lib/api';

/** A JSON body (status 200), `{status, body}`, or a function of the call giving either. */
export type Answer = unknown;

export type Call = {
  method: string;
  path: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  credentials: RequestCredentials | undefined;
};

export const me = (over: Partial<Me> = {}): Me => ({
  name: 'alice',
  role: 'admin',
  csrf: 'csrf-token-1',
  reauth_until: 0,
  passkeys: [],
  language: '',
  ...over,
});

export function failure(status: number, code: string, extra: Record<string, unknown> = {}) {
  return { status, body: { code, message: `${code} (English detail)`, ...extra } };
}

function isStatus(value: unknown): value is { status: number; body?: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'status' in value &&
    typeof value.status === 'number' &&
    Object.keys(value).every((k) => k === 'status' || k === 'body')
  );
}

export function mockDesk(routes: Record<string, Answer>): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn((input: string, init: RequestInit = {}) => {
      const url = new URL(input, 'https://desk.example');
      const path = url.pathname.replace(/^\/console\/api/, '');
      const method = init.method ?? 'GET';
      const call: Call = {
        method,
        path,
        url: input,
        headers: { ...(init.headers as Record<string, string>) },
        body: typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined,
        credentials: init.credentials,
      };
      calls.push(call);
      const key = `${method} ${path}`;
      if (!Object.hasOwn(routes, key)) {
        return Promise.resolve(
          new Response(JSON.stringify({ code: 'not_found', message: key }), { status: 404 }),
        );
      }
      const answer = routes[key];
      const resolved: unknown =
        typeof answer === 'function' ? (answer as (c: Call) => unknown)(call) : answer;
      const { status, body } = isStatus(resolved) ? resolved : { status: 200, body: resolved };
      return Promise.resolve(
        new Response(body === undefined || status === 204 ? null : JSON.stringify(body), {
          status,
          headers: { 'Content-Type': 'application/json' },
        }),
      );
    }),
  );
  return calls;
}
