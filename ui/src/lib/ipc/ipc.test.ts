import { describe, expect, it, vi } from 'vitest';
import {
  ERROR_CODES,
  IpcFailure,
  appStatus,
  check,
  onSettingsChanged,
  setLanguage,
  toIpcFailure,
  ERROR_REASONS,
} from '.';
import { emitSettingsChanged, fail, fixtures, mockBackend, outcomes } from './testing';

describe('commands', () => {
  it('unwrap the data of a successful call', async () => {
    mockBackend();
    await expect(appStatus()).resolves.toEqual(fixtures.status());
  });

  it('pass arguments under the names Rust expects', async () => {
    const backend = mockBackend();
    await expect(setLanguage('ar')).resolves.toEqual({
      language: 'ar',
      startAtLogin: false,
      region: 'HK',
      checkShortcut: 'CmdOrCtrl+Alt+K',
    });
    expect(backend.callsTo('set_language')).toEqual([
      { cmd: 'set_language', args: { language: 'ar' } },
    ]);
  });

  it('check sends the input and the kind (null to detect it) and unwraps the outcome', async () => {
    const backend = mockBackend();
    backend.outcomes.set('2345 6789', outcomes.scamPhone());
    await expect(check('2345 6789', 'phone')).resolves.toEqual(outcomes.scamPhone());
    await check('hello', null);
    expect(backend.callsTo('check').map((c) => c.args)).toEqual([
      { input: '2345 6789', kind: 'phone', remember: true },
      { input: 'hello', kind: null, remember: true },
    ]);
  });

  it('throw a typed failure carrying the backend code', async () => {
    const backend = mockBackend();
    backend.on('app_status', () => fail({ code: 'store_busy', message: 'database is locked' }));
    const failure = await appStatus().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(IpcFailure);
    expect(failure).toMatchObject({ code: 'store_busy', message: 'database is locked' });
  });

  it('classify framework failures (string rejections) as internal', async () => {
    const backend = mockBackend();
    backend.on('app_status', () => fail('app_status not allowed by ACL'));
    await expect(appStatus()).rejects.toMatchObject({
      code: 'internal',
      message: 'app_status not allowed by ACL',
    });
  });
});

describe('toIpcFailure', () => {
  it.each([
    [{ code: 'not_found', message: 'x' }, 'not_found'],
    [{ code: 'no_such_code', message: 'x' }, 'internal'],
    [{ code: 'store' }, 'internal'],
    ['plain string', 'internal'],
    [new TypeError('no backend'), 'internal'],
    [undefined, 'internal'],
  ])('classifies %o as %s', (reason, code) => {
    expect(toIpcFailure(reason).code).toBe(code);
  });

  it('lists every code once', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    expect(new Set(ERROR_REASONS).size).toBe(ERROR_REASONS.length);
  });

  it.each([
    [{ code: 'feed_locked', message: 'x', reason: 'root_pinned' }, 'root_pinned'],
    [{ code: 'desk_refused', message: 'x', reason: 'a_code_from_a_newer_desk' }, 'unknown'],
    [{ code: 'desk_refused', message: 'x', reason: 42 }, 'unknown'],
    [{ code: 'internal', message: 'x' }, null],
  ])('keeps a known reason of %o, and only a known one', (error, reason) => {
    expect(toIpcFailure(error).reason).toBe(reason);
  });
});

describe('onSettingsChanged', () => {
  it('delivers payloads until unsubscribed', async () => {
    mockBackend();
    const seen = vi.fn();
    const stop = await onSettingsChanged(seen);
    const changed = {
      language: 'zh-HK',
      startAtLogin: true,
      region: 'HK',
      checkShortcut: '',
    } as const;
    await emitSettingsChanged(changed);
    expect(seen).toHaveBeenCalledWith(changed);
    stop();
    await emitSettingsChanged({
      language: 'en',
      startAtLogin: false,
      region: 'HK',
      checkShortcut: '',
    });
    expect(seen).toHaveBeenCalledTimes(1);
  });
});
