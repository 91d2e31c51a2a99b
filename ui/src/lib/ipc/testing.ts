/**
 * A fake backend for component tests (Vitest + jsdom). Test code only: nothing in the app imports
 * this module, so it never reaches the bundle.
 *
 * `mockBackend()` answers every command from editable fixtures, records each call, and mocks
 * Tauri's event plugin so that `emitSettingsChanged()` reaches `onSettingsChanged` listeners.
 */
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import type {
  AppStatus,
  CheckKind,
  CheckOutcome,
  DeviceStatus,
  HistoryEntry,
  IpcError,
  Language,
  Settings,
} from '.';
import * as outcomes from './fixtures';
import { feedHandlers, mockFeed, type FeedBackend } from './feed-testing';
import { mockTripwires, tripwireHandlers, type TripwireBackend } from './tripwire-testing';
import { mockReports, reportHandlers, type ReportBackend } from './report-testing';
import { mockSupport, supportHandlers, type SupportBackend } from './support-testing';
import { drillHandlers, matchCheck, mockDrills, type DrillBackend } from './drill-testing';

export type Call = { cmd: string; args: Record<string, unknown> };

/** What a handler returns: a value resolves the call; `fail(...)` rejects it like Rust does. */
export type Handler = (args: Record<string, unknown>) => unknown;

const failure = Symbol('failure');
type Failure = { [failure]: unknown };

/** Rejects the call with `reason` (an `IpcError` object, or a string as Tauri itself rejects). */
export function fail(reason: IpcError | string): Failure {
  return { [failure]: reason };
}

function isFailure(value: unknown): value is Failure {
  return typeof value === 'object' && value !== null && failure in value;
}

export const fixtures = {
  status(): AppStatus {
    return outcomes.status();
  },
  settings(): Settings {
    return { language: 'en', startAtLogin: false, region: 'HK', checkShortcut: 'CmdOrCtrl+Alt+K' };
  },
};

/** Check outcomes, one per verdict and a message (see `fixtures.ts`). */
export { outcomes };

export type Backend = {
  calls: Call[];
  settings: Settings;
  /** What `check` answers, by input; other inputs get a `no_record` outcome. */
  outcomes: Map<string, CheckOutcome>;
  /** The recent checks, newest first: each `check` adds one, as the backend does. */
  history: HistoryEntry[];
  /** The device binding: enrolment binds it, unbinding clears it. */
  device: DeviceStatus;
  /** The threat feed: status, settings, threats (see `feed-testing.ts`). */
  feed: FeedBackend;
  /** The tripwires: status and events (see `tripwire-testing.ts`). */
  tripwires: TripwireBackend;
  /** The reports to IT: the list, refusals, IT's next answers (see `report-testing.ts`). */
  reports: ReportBackend;
  /** Support sessions and the agent's workplace (see `support-testing.ts`). */
  support: SupportBackend;
  /** The employee's drills (see `drill-testing.ts`); a `check` of an open lure's number reports it. */
  drills: DrillBackend;
  /** The saved shortcut the desktop refused at start (saving one clears it). */
  shortcutRefused: string | null;
  /** Replaces the answer of one command. */
  on(cmd: string, handler: Handler): void;
  /** The calls made to one command, oldest first. */
  callsTo(cmd: string): Call[];
};

export function mockBackend(initial: Partial<Settings> = {}): Backend {
  const backend: Backend = {
    calls: [],
    settings: { ...fixtures.settings(), ...initial },
    outcomes: new Map(),
    history: [],
    device: outcomes.deviceNotBound(),
    feed: mockFeed(),
    tripwires: mockTripwires(),
    reports: mockReports(),
    support: mockSupport(),
    drills: mockDrills(),
    shortcutRefused: null,
    on(cmd, handler) {
      handlers.set(cmd, handler);
    },
    callsTo(cmd) {
      return backend.calls.filter((c) => c.cmd === cmd);
    },
  };
  const enrol = (): unknown => {
    const enrolled = outcomes.deviceEnrolled();
    backend.device = { bound: true, binding: enrolled.binding };
    return enrolled;
  };
  const handlers = new Map<string, Handler>([
    ...feedHandlers(() => backend.feed),
    ...tripwireHandlers(() => backend.tripwires, fail),
    ...supportHandlers(() => backend.support, fail),
    ...drillHandlers(() => backend.drills, fail),
    ...reportHandlers(
      () => backend.reports,
      () => backend.feed.threats,
      (input, kind) => {
        const outcome = backend.outcomes.get(input) ?? outcomes.fallbackOutcome(input, kind);
        if (outcome.verdict === 'invalid') return null;
        return outcome.normalized ?? outcome.items.find((i) => i.normalized)?.normalized ?? null;
      },
      fail,
    ),
    ['device_status', () => backend.device],
    [
      'device_preview',
      () => ({
        deskUrl: 'https://desk.acme.example/',
        orgName: 'Acme HK',
        fingerprint: outcomes.ORG_FINGERPRINT,
      }),
    ],
    ['device_enroll', enrol],
    ['device_enroll_link', enrol],
    ['device_totp_setup', () => outcomes.totpSetup()],
    [
      'device_verify',
      (args) => {
        const wrong = args.totp === outcomes.WRONG_TOTP;
        const checks = wrong
          ? outcomes.deviceChecks.wrongCode()
          : outcomes.deviceChecks.allPassed();
        const binding = backend.device.binding;
        if (binding)
          backend.device = {
            bound: true,
            binding: {
              ...binding,
              twoFactor: wrong ? binding.twoFactor : 'active',
              lastCheck: { at: outcomes.ADDED, checks },
            },
          };
        return checks;
      },
    ],
    [
      'device_unbind',
      () => {
        backend.device = outcomes.deviceNotBound();
        return { deskNotified: true, deskError: null };
      },
    ],
    ['app_status', () => fixtures.status()],
    ['get_settings', () => ({ ...backend.settings })],
    [
      'set_language',
      (args) => {
        backend.settings = { ...backend.settings, language: args.language as Language };
        return { ...backend.settings };
      },
    ],
    [
      'set_start_at_login',
      (args) => {
        backend.settings = { ...backend.settings, startAtLogin: Boolean(args.enabled) };
        return { ...backend.settings };
      },
    ],
    [
      'set_region',
      (args) => {
        backend.settings = { ...backend.settings, region: String(args.region) };
        return { ...backend.settings };
      },
    ],
    [
      'set_check_shortcut',
      (args) => {
        backend.settings = { ...backend.settings, checkShortcut: String(args.shortcut) };
        backend.shortcutRefused = null;
        return { ...backend.settings };
      },
    ],
    ['shortcut_status', () => ({ refused: backend.shortcutRefused })],
    ['send_test_notification', () => null],
    [
      'check',
      (args) => {
        const input = String(args.input);
        const kind = (args.kind ?? null) as CheckKind | null;
        const outcome = backend.outcomes.get(input) ?? outcomes.fallbackOutcome(input, kind);
        if (args.remember !== false) {
          backend.history = outcomes.recordInHistory(backend.history, outcome);
        }
        matchCheck(backend.drills, input);
        return outcome;
      },
    ],
    ['check_history', () => backend.history.map((e) => ({ ...e }))],
    [
      'clear_check_history',
      () => {
        const removed = backend.history.length;
        backend.history = [];
        return removed;
      },
    ],
  ]);

  mockIPC(
    (cmd, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      backend.calls.push({ cmd, args });
      const handler = handlers.get(cmd);
      // Tauri rejects with plain values (a string, or the command's serialized error), not Errors.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      if (!handler) return Promise.reject(`command ${cmd} not found`);
      const answer = handler(args);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return isFailure(answer) ? Promise.reject(answer[failure]) : answer;
    },
    { shouldMockEvents: true },
  );
  return backend;
}

/** Emits `settings-changed` as the backend does after any change. */
export async function emitSettingsChanged(settings: Settings): Promise<void> {
  await emit('settings-changed', settings);
}

/** Plays the backend's `open-checklist` event (the checklist reminder was clicked). */
export async function emitOpenChecklist(): Promise<void> {
  await emit('open-checklist', null);
}

/** Plays the backend's `history-changed` event (a clipboard check was recorded). */
export async function emitHistoryChanged(): Promise<void> {
  await emit('history-changed', null);
}

export { clearMocks };
