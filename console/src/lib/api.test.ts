import { describe, expect, it, vi } from 'vitest';
import { failure, me, mockDesk } from '../test-fetch';
import { api, ApiError, setHandlers } from './api';

describe('api', () => {
  it('sends the session cookie, and the CSRF token from /me on every non-GET', async () => {
    const calls = mockDesk({
      'GET /me': me({ csrf: 'tok-42' }),
      'POST /reports/12/reject': { id: 12 },
      'GET /reports': [],
    });
    await api.me();
    await api.reports('new');
    await api.rejectReport(12, 'not a scam');
    expect(calls.map((c) => c.credentials)).toEqual(['same-origin', 'same-origin', 'same-origin']);
    expect(calls[1]?.headers['X-Verity-CSRF']).toBeUndefined();
    expect(calls[1]?.url).toBe('/console/api/reports?status=new');
    expect(calls[2]?.headers['X-Verity-CSRF']).toBe('tok-42');
    expect(calls[2]?.body).toEqual({ reason: 'not a scam' });
  });

  it('parses {code, message} errors into a typed error with field and retry_after', async () => {
    mockDesk({
      'POST /signin': failure(429, 'locked', { retry_after: 600 }),
      'POST /codes': failure(400, 'invalid_input', { field: 'ttl' }),
      'GET /feed': { status: 500, body: 'not json' },
    });
    const locked = await api.signIn('a', 'b', '123456').catch((e: unknown) => e);
    expect(locked).toBeInstanceOf(ApiError);
    expect(locked).toMatchObject({ code: 'locked', status: 429, retryAfter: 600 });
    await expect(api.issueCode('e1', 'Chan Tai Man', '9y')).rejects.toMatchObject({
      code: 'invalid_input',
      field: 'ttl',
    });
    await expect(api.feed()).rejects.toMatchObject({ code: 'internal', status: 500 });
  });

  it('an unknown code becomes internal; a failed connection becomes network', async () => {
    mockDesk({ 'GET /feed': failure(418, 'teapot') });
    await expect(api.feed()).rejects.toMatchObject({ code: 'internal' });
    vi.stubGlobal(
      'fetch',
      vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))),
    );
    await expect(api.feed()).rejects.toMatchObject({ code: 'network' });
  });

  it('re-authenticates on reauth_required and retries once', async () => {
    let attempts = 0;
    const calls = mockDesk({
      'POST /feed/publish': () => {
        attempts++;
        return attempts === 1
          ? failure(403, 'reauth_required')
          : { version: 8, added: 2, entries: 40 };
      },
    });
    const reauth = vi.fn(() => Promise.resolve(true));
    setHandlers({ reauth, unauthenticated: null });
    await expect(api.publishFeed()).resolves.toEqual({ version: 8, added: 2, entries: 40 });
    expect(reauth).toHaveBeenCalledTimes(1);
    expect(calls.filter((c) => c.path === '/feed/publish')).toHaveLength(2);
  });

  it('retries only once, and not at all when re-authentication is cancelled', async () => {
    const calls = mockDesk({ 'POST /feed/publish': failure(403, 'reauth_required') });
    setHandlers({ reauth: () => Promise.resolve(true), unauthenticated: null });
    await expect(api.publishFeed()).rejects.toMatchObject({ code: 'reauth_required' });
    expect(calls).toHaveLength(2);

    setHandlers({ reauth: () => Promise.resolve(false), unauthenticated: null });
    await expect(api.publishFeed()).rejects.toMatchObject({ code: 'reauth_required' });
    expect(calls).toHaveLength(3);
  });

  it('goes back to sign-in on 401 from a signed-in call, not from a sign-in attempt', async () => {
    mockDesk({
      'GET /dashboard': failure(401, 'unauthenticated'),
      'POST /signin': failure(401, 'unauthenticated'),
    });
    const unauthenticated = vi.fn();
    setHandlers({ reauth: null, unauthenticated });
    await expect(api.dashboard()).rejects.toMatchObject({ code: 'unauthenticated' });
    expect(unauthenticated).toHaveBeenCalledTimes(1);
    await expect(api.signIn('a', 'b', '123456')).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    expect(unauthenticated).toHaveBeenCalledTimes(1);
  });
});
