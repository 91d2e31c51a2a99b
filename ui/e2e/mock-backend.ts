/**
 * A stand-in for the Rust backend inside the browser, installed with `page.addInitScript` before
 * the app's own scripts run. It plays the part of Tauri's IPC (`window.__TAURI_INTERNALS__`) and of
 * its event plugin, answers Verity's commands from fixtures, records every call, and records any
 * Content-Security-Policy violation so that tests can assert there is none.
 *
 * `installMockBackend` is serialised into the page: it must not use anything from its module scope.
 */
import type { Page } from '@playwright/test';
import type {
  AppStatus,
  CheckKind,
  CheckOutcome,
  DeviceChecks,
  DeviceEnrolled,
  DeviceStatus,
  HistoryEntry,
  IpcError,
  Settings,
} from '../src/lib/ipc';
import * as fixtures from '../src/lib/ipc/fixtures';
import * as feedFixtures from '../src/lib/ipc/feed-fixtures';
import * as tripwireFixtures from '../src/lib/ipc/tripwire-fixtures';
import * as reportFixtures from '../src/lib/ipc/report-fixtures';
import * as supportFixtures from '../src/lib/ipc/support-fixtures';
import * as drillFixtures from '../src/lib/ipc/drill-fixtures';
import type {
  AgentDeskView,
  DrillView,
  LiveStatus,
  SessionView,
  FeedConfig,
  ItReport,
  ItReportList,
  FeedStatus,
  ThreatList,
  TripwireEvent,
  TripwireStatus,
} from '../src/lib/ipc';

export type MockOptions = {
  settings: Settings;
  status: AppStatus;
  /** What `check` answers, by input; any other input is a `no_record` phone number. */
  outcomes: Record<string, CheckOutcome>;
  /** Commands that fail, with the error the backend would return. */
  failures?: Record<string, IpcError>;
  /** The device binding at start; enrolment binds it (to `deviceEnrolled`), unbinding clears it. */
  device: DeviceStatus;
  deviceEnrolled: DeviceEnrolled;
  /** What "verify my device now" answers. */
  deviceChecks: DeviceChecks;
  /** Enrolment into the system's key store fails with `no_secure_store` (a headless Linux). */
  deviceNoSecureStore?: boolean;
  /** The threat feed: its status (also after "Sync now"), settings and new threats. */
  feed: { status: FeedStatus; config: FeedConfig; threats: ThreatList };
  /** The saved shortcut another program held when Verity started (saving one clears it). */
  shortcutRefused?: string;
  /**
   * The tripwires: their state and events. Turning the remote-access warning off is refused
   * (`tripwire_locked`) while `locked`; either answer to the code reminder records the offer.
   * Reporting an event marks it sent (and plays `tripwire-raised`); with `keyPassphrase` the
   * device key is in a passphrase file: a report without it is `passphrase_needed`, with another
   * `wrong_passphrase`. `failures.report_tripwire` makes every report fail.
   */
  tripwires: { status: TripwireStatus; events: TripwireEvent[]; keyPassphrase?: string };
  /**
   * The reports to IT. A report (`report_check`: the input as typed, trimmed;
   * `report_threat`: the threat's value) joins the list as waiting; a note with six digits in a
   * row is refused (`report_note_has_code`); refreshing confirms every waiting report;
   * `failures.report_check` etc. make a command fail.
   */
  reports: { list: ItReportList };
  /**
   * Support sessions (issue 13): the live status, the employee's session, the agent's workplace
   * (null: not an agent's app). Opening queues `queued` (status `queued`); a message joins as
   * sent; a "no" to the call's code raises `code_mismatch`; ending closes as `abandoned`.
   * Accepting an offer opens it as a session, starting a call derives `CALL_CODE`, closing sets
   * the outcome; an agent's enrolment makes `desk` the workplace given (`enrolledDesk`). A test
   * changes `window.__VERITY_SUPPORT__` and plays `support-changed` / `agent-changed`.
   */
  support: {
    status: LiveStatus;
    session: SessionView | null;
    queued: SessionView;
    desk: AgentDeskView | null;
    enrolledDesk: AgentDeskView;
  };
  /**
   * The employee's drills (issue 15), newest first. The first act decides (`drill_act`); a chat
   * message with 4–8 digits in a row is `engaged`, another one gets `chatFollowUp`; a `check` of
   * an open lure's number or link reports it and plays `drill-revealed`. Every change plays
   * `drill-changed`.
   */
  drills: { list: DrillView[]; chatFollowUp: string };
};

export type MockRecord = {
  calls: { cmd: string; args: Record<string, unknown> }[];
  settings: Settings;
  cspViolations: string[];
};

export const defaultOptions = (settings: Partial<Settings> = {}): MockOptions => ({
  settings: {
    language: 'en',
    startAtLogin: false,
    region: 'HK',
    checkShortcut: 'CmdOrCtrl+Alt+K',
    ...settings,
  },
  status: { ...fixtures.status(), databaseFile: 'verity.sqlite3' },
  outcomes: Object.fromEntries(
    [fixtures.scamPhone(), fixtures.suspiciousLink(), fixtures.scamMessage()].map((o) => [
      o.input,
      o,
    ]),
  ),
  device: fixtures.deviceNotBound(),
  deviceEnrolled: fixtures.deviceEnrolled(),
  deviceChecks: fixtures.deviceChecks.allPassed(),
  feed: {
    status: feedFixtures.feedStatus(feedFixtures.freshness.fresh(), 0),
    config: feedFixtures.feedConfig(),
    threats: feedFixtures.threats(),
  },
  tripwires: {
    status: tripwireFixtures.tripwireStatus(),
    events: tripwireFixtures.tripwireEvents(),
  },
  // IT's answers all seen (the sidebar shows no count); `report.spec.ts` starts with one unseen.
  reports: { list: reportFixtures.itReports(true) },
  support: {
    status: supportFixtures.liveStatus.none(),
    session: null,
    queued: supportFixtures.queuedSession(),
    desk: null,
    enrolledDesk: supportFixtures.agentDesk(Math.floor(Date.now() / 1000)),
  },
  drills: { list: [], chatFollowUp: drillFixtures.SUPPORT_CODE.en.followUps[0] ?? '' },
});

export function installMockBackend(options: MockOptions): void {
  type Callback = (data: unknown) => void;
  type Args = Record<string, unknown>;

  const record: MockRecord = { calls: [], settings: { ...options.settings }, cspViolations: [] };
  const callbacks = new Map<number, Callback>();
  let device = options.device;
  let shortcutRefused: string | null = options.shortcutRefused ?? null;
  const listeners = new Map<string, number[]>();
  let nextId = 1;

  document.addEventListener('securitypolicyviolation', (e) => {
    record.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
  });

  let history: HistoryEntry[] = [];
  let nextHistoryId = 1;

  const support = options.support;
  type Refusal = { code: string; message: string; reason: string };
  const refusal = Symbol('refusal');
  /** A support command refused as the backend does (`invalid_input` with a reason). */
  function fail(reason: string): { [refusal]: Refusal } {
    return { [refusal]: { code: 'invalid_input', message: reason, reason } };
  }
  function desk(change: (d: AgentDeskView) => AgentDeskView): unknown {
    if (!support.desk) return fail('forbidden');
    support.desk = change(support.desk);
    return support.desk;
  }
  function session(
    id: string,
    change: (s: AgentDeskView['sessions'][number]) => AgentDeskView['sessions'][number],
  ): unknown {
    return desk((d) => ({
      ...d,
      sessions: d.sessions.map((s) => (s.sessionId === id ? change(s) : s)),
    }));
  }

  /** Any input the options do not list: a `no_record` phone number. */
  function unknown(input: string, kind: CheckKind | null): CheckOutcome {
    return {
      input,
      kind: kind ?? 'phone',
      normalized: input.trim(),
      verdict: 'no_record',
      reasons: [{ code: 'no_record', detail: null }],
      matches: [],
      advice: ['stay_cautious', 'use_in_app_support'],
      items: [],
    };
  }

  function emit(event: string, payload: unknown): void {
    for (const id of listeners.get(event) ?? []) callbacks.get(id)?.({ event, id, payload });
  }

  const drills = { list: options.drills.list };
  type Drill = DrillView;
  type How = 'report_to_it' | 'check' | 'opened_link' | 'typed_code' | 'dismissed';
  const OUTCOME: Record<How, Drill['outcome']> = {
    report_to_it: 'reported',
    check: 'reported',
    opened_link: 'engaged',
    typed_code: 'engaged',
    dismissed: 'ignored',
  };
  function notFound(): { [refusal]: Refusal } {
    return { [refusal]: { code: 'not_found', message: 'no such drill', reason: '' } };
  }
  /** The first act decides; a decided drill stays as it is. */
  function decide(d: Drill, how: How): Drill {
    if (d.state === 'done') return d;
    const actedAt = Math.floor(Date.now() / 1000);
    return { ...d, state: 'done', outcome: OUTCOME[how], how, actedAt };
  }
  function changeDrill(id: string, change: (d: Drill) => Drill): unknown {
    const drill = drills.list.find((d) => d.drillId === id);
    if (!drill) return notFound();
    const next = change(drill);
    drills.list = drills.list.map((d) => (d.drillId === id ? next : d));
    if (next !== drill) setTimeout(() => emit('drill-changed', null), 0);
    return next;
  }
  /** The backend's `match_check`: a Check of an open lure's number or link reports it. */
  function matchCheck(input: string): void {
    const bare = (v: string): string => v.replace(/[\s-]/g, '');
    const drill = drills.list.find(
      (d) => d.state === 'open' && (bare(d.number) === bare(input) || d.link === input.trim()),
    );
    if (!drill) return;
    changeDrill(drill.drillId, (d) => decide(d, 'check'));
    setTimeout(() => emit('drill-revealed', { drillId: drill.drillId }), 0);
  }

  function answer(cmd: string, args: Args): unknown {
    switch (cmd) {
      case 'plugin:event|listen': {
        const event = String(args.event);
        listeners.set(event, [...(listeners.get(event) ?? []), Number(args.handler)]);
        return args.handler;
      }
      case 'plugin:event|unlisten': {
        const event = String(args.event);
        listeners.set(
          event,
          (listeners.get(event) ?? []).filter((id) => id !== args.eventId),
        );
        return null;
      }
      case 'app_status':
        return options.status;
      case 'get_settings':
        return record.settings;
      case 'set_language':
        record.settings = { ...record.settings, language: args.language as Settings['language'] };
        emit('settings-changed', record.settings);
        return record.settings;
      case 'set_start_at_login':
        record.settings = { ...record.settings, startAtLogin: Boolean(args.enabled) };
        emit('settings-changed', record.settings);
        return record.settings;
      case 'set_region':
        record.settings = { ...record.settings, region: String(args.region) };
        emit('settings-changed', record.settings);
        return record.settings;
      case 'shortcut_status':
        return { refused: shortcutRefused };
      case 'set_check_shortcut':
        shortcutRefused = null;
        record.settings = { ...record.settings, checkShortcut: String(args.shortcut) };
        emit('settings-changed', record.settings);
        return record.settings;
      case 'send_test_notification':
        return null;
      case 'check_history':
        return history;
      case 'clear_check_history': {
        const removed = history.length;
        history = [];
        return removed;
      }
      case 'check': {
        const input = String(args.input);
        const outcome = options.outcomes[input] ?? unknown(input, args.kind as CheckKind | null);
        matchCheck(input);
        // As the backend keeps it: normalised items only, the same kind and items replaced.
        const found = outcome.kind === 'text' ? outcome.items : [outcome];
        const items = [
          ...new Set(
            found.flatMap((o) => (o.normalized ? [o.normalized.split('?')[0] ?? ''] : [])),
          ),
        ];
        const remember = args.remember !== false;
        if (
          remember &&
          (items.length > 0 || (outcome.kind === 'text' && outcome.verdict !== 'invalid'))
        ) {
          const key = JSON.stringify([outcome.kind, items]);
          history = [
            {
              id: nextHistoryId++,
              checkedAt: Math.floor(Date.now() / 1000) - 90,
              source: 'screen',
              kind: outcome.kind,
              verdict: outcome.verdict,
              items,
              itemCount: items.length,
            },
            ...history.filter((e) => JSON.stringify([e.kind, e.items]) !== key),
          ];
        }
        return outcome;
      }
      // The checklist (issue 5): every step recorded is done at a fixed date.
      case 'checklist_status':
        return checklistStatus();
      case 'acknowledge_official_path':
        return recordStep(1);
      case 'confirm_test_alert':
        return recordStep(2);
      case 'set_drill_owner':
        return recordStep(3);
      case 'record_quiz':
        return recordStep(4);
      case 'scan_files':
        recordStep(0);
        return {
          files: [],
          summary: { files: 1, entries: 3, flagged: 0, removed: 0 },
          step: checklistSteps[0],
        };
      case 'export_report':
        return {
          path: '/home/user/Downloads/Verity/verity-checklist-report-2026-01-01.html',
          content: '<!doctype html><title>Report</title>',
          headHash: '0'.repeat(64),
          auditIntact: true,
        };
      // Device binding (issue 6).
      case 'device_status':
        return device;
      case 'device_preview':
        return {
          deskUrl: 'https://desk.acme.example/',
          orgName: options.deviceEnrolled.binding.orgName,
          fingerprint: options.deviceEnrolled.binding.orgFingerprint,
        };
      case 'device_enroll':
      case 'device_enroll_link':
        device = { bound: true, binding: options.deviceEnrolled.binding };
        return options.deviceEnrolled;
      case 'device_totp_setup':
        return options.deviceEnrolled.totp;
      case 'device_verify':
        if (device.binding)
          device = {
            bound: true,
            binding: {
              ...device.binding,
              twoFactor: options.deviceChecks.twoFactor.ok ? 'active' : device.binding.twoFactor,
              lastCheck: { at: 1_772_424_000, checks: options.deviceChecks },
            },
          };
        return options.deviceChecks;
      case 'device_unbind':
        device = { bound: false, binding: null };
        return { deskNotified: true, deskError: null };
      // Support sessions (issue 13).
      // Scam drills (issue 15).
      case 'drill_list':
        return drills.list;
      case 'drill_get':
        return drills.list.find((d) => d.drillId === args.drillId) ?? notFound();
      case 'drill_act': {
        const how = String(args.act) as 'report_to_it' | 'opened_link' | 'dismissed';
        return changeDrill(String(args.drillId), (d) => decide(d, how));
      }
      case 'drill_chat_send': {
        const text = String(args.text);
        return changeDrill(String(args.drillId), (d) => {
          if (d.state === 'done') return d;
          const at = Math.floor(Date.now() / 1000);
          const chat = [...d.chat, { from: 'me' as const, text, at }];
          if (/(?<!\d)\d{4,8}(?!\d)/.test(text)) return decide({ ...d, chat }, 'typed_code');
          return {
            ...d,
            chat: [...chat, { from: 'them' as const, text: options.drills.chatFollowUp, at }],
          };
        });
      }
      case 'support_status':
        return support.status;
      case 'support_session':
        return support.session;
      case 'support_open':
        support.session = {
          ...support.queued,
          category: args.category as SessionView['category'],
          messages: support.queued.messages.map((m) => ({ ...m, text: String(args.message) })),
        };
        support.status = { ...support.status, state: 'queued' };
        return support.session;
      case 'support_send': {
        const s = support.session;
        if (!s) return fail('session_unknown');
        support.session = {
          ...s,
          messages: [
            ...s.messages,
            {
              id: `e-${s.messages.length}`,
              from: 'me',
              text: String(args.text),
              at: Math.floor(Date.now() / 1000),
              delivery: 'sent',
              guard: [],
            },
          ],
        };
        return support.session;
      }
      case 'support_typing':
      case 'agent_typing':
        return null;
      case 'support_answer_code': {
        const s = support.session;
        if (!s?.call) return fail('session_unknown');
        support.session = {
          ...s,
          call: { ...s.call, matched: Boolean(args.matched) },
          problem: args.matched ? s.problem : 'code_mismatch',
        };
        return support.session;
      }
      case 'support_close': {
        const s = support.session;
        if (!s) return fail('session_unknown');
        support.session = { ...s, phase: 'closed', outcome: 'abandoned', peerTyping: false };
        support.status = { ...support.status, state: 'none', agentName: null };
        return support.session;
      }
      case 'agent_desk':
        return support.desk;
      case 'agent_set_online':
        return desk((d) => ({ ...d, online: Boolean(args.online) }));
      case 'agent_accept':
        return desk((d) => {
          const offer = d.offers.find((o) => o.sessionId === args.sessionId);
          return {
            ...d,
            offers: d.offers.filter((o) => o.sessionId !== args.sessionId),
            sessions: [
              ...d.sessions,
              {
                sessionId: String(args.sessionId),
                phase: 'chatting',
                category: offer?.category ?? 'other',
                language: offer?.language ?? 'en',
                employee: {
                  name: 'Lee Siu Ming',
                  employeeId: 'e207',
                  fingerprint: '77C1 0B9E 42D3 A815 6F0C E927 3B54 D06A',
                },
                messages: [
                  {
                    id: 'e-0',
                    from: 'peer',
                    text: 'My DingTalk asks me to verify again and again.',
                    at: Math.floor(Date.now() / 1000) - 30,
                    delivery: null,
                    guard: [],
                  },
                ],
                peerTyping: false,
                peerOnline: true,
                call: null,
                outcome: null,
              },
            ],
          };
        });
      case 'agent_decline':
        return desk((d) => ({
          ...d,
          offers: d.offers.filter((o) => o.sessionId !== args.sessionId),
        }));
      case 'agent_send':
        return session(String(args.sessionId), (s) => ({
          ...s,
          messages: [
            ...s.messages,
            {
              id: `a-${s.messages.length}`,
              from: 'me',
              text: String(args.text),
              at: Math.floor(Date.now() / 1000),
              delivery: 'sent',
              guard: [],
            },
          ],
        }));
      case 'agent_transfer':
        return desk((d) => ({
          ...d,
          sessions: d.sessions.filter((s) => s.sessionId !== args.sessionId),
        }));
      case 'agent_start_call':
        return session(String(args.sessionId), (s) => ({
          ...s,
          call: { callId: 'c-1', code: '482 915', matched: null },
        }));
      case 'agent_close':
        return session(String(args.sessionId), (s) => ({
          ...s,
          phase: 'closed',
          outcome: args.outcome as SessionView['outcome'],
        }));
      case 'device_enroll_agent':
        support.desk = support.enrolledDesk;
        device = { bound: true, binding: options.deviceEnrolled.binding };
        return { deskUrl: 'https://desk.acme.example/', agent: support.enrolledDesk.me };
      case 'feed_status':
      case 'sync_now':
        return options.feed.status;
      case 'feed_config':
        return options.feed.config;
      case 'set_feed_source':
      case 'set_feed_root':
        return options.feed.config;
      case 'preview_feed_root':
        return { version: 1, fingerprint: '3f1a 9c2e 77b0 4d18 a5e6 0c9b 2f47 81d3' };
      case 'pick_feed_root':
        return null;
      case 'feed_trust_log':
        return [];
      case 'set_feed_alerts':
        options.feed.config = {
          ...options.feed.config,
          alerts: Boolean(args.alerts),
          quiet: Boolean(args.quiet),
        };
        return options.feed.config;
      case 'set_checklist_reminders':
        options.feed.config = { ...options.feed.config, reminders: Boolean(args.enabled) };
        return options.feed.config;
      case 'list_threats':
        return options.feed.threats;
      case 'mark_threats_read': {
        const items = options.feed.threats.items.map((t) => ({ ...t, read: true }));
        options.feed.threats = { items, unread: 0 };
        options.feed.status = { ...options.feed.status, unread: 0 };
        emit('feed-changed', options.feed.status);
        return 0;
      }
      // The tripwires (issue 16).
      case 'tripwire_status':
        return options.tripwires.status;
      case 'set_remote_tripwire':
        options.tripwires.status = { ...options.tripwires.status, remote: Boolean(args.enabled) };
        return options.tripwires.status;
      case 'set_code_guard':
        options.tripwires.status = {
          ...options.tripwires.status,
          codeGuard: Boolean(args.enabled),
          codeGuardOffered: true,
        };
        return options.tripwires.status;
      case 'decline_code_guard':
        options.tripwires.status = { ...options.tripwires.status, codeGuardOffered: true };
        return options.tripwires.status;
      case 'tripwire_events':
        return options.tripwires.events;
      case 'report_tripwire': {
        const key = options.tripwires.keyPassphrase;
        if (key !== undefined && args.passphrase !== key) {
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          return Promise.reject(
            args.passphrase === null
              ? { code: 'passphrase_needed', message: 'the device key is in a passphrase file' }
              : { code: 'wrong_passphrase', message: 'the passphrase does not open the key file' },
          );
        }
        const event = options.tripwires.events.find((e) => e.id === args.id);
        if (!event) {
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          return Promise.reject({
            code: 'invalid_input',
            message: 'no such event',
            reason: 'no_such_event',
          });
        }
        // Ten minutes after the fixtures' newest event (this runs in the page: no imports).
        event.reportedAt = 1_772_431_800;
        setTimeout(() => emit('tripwire-raised', null), 0);
        return { ...event };
      }
      // Reports to IT.
      case 'it_reports':
        return options.reports.list;
      case 'report_check':
      case 'report_threat': {
        if (/\d{6,}/.test(String(args.note))) {
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          return Promise.reject({
            code: 'invalid_input',
            message: 'the note holds a one-time code',
            reason: 'report_note_has_code',
          });
        }
        const item =
          cmd === 'report_check'
            ? String(args.input).trim()
            : (options.feed.threats.items.find((t) => t.id === args.id)?.value ?? null);
        const report: ItReport = {
          id: Math.max(0, ...options.reports.list.reports.map((r) => r.id)) + 1,
          kind: cmd === 'report_check' ? 'check' : 'threat',
          item,
          sentAt: Math.floor(Date.now() / 1000) - 5,
          state: 'new',
          resolvedAt: null,
          checkedAt: null,
          outcomeSeen: false,
        };
        options.reports.list = {
          ...options.reports.list,
          reports: [report, ...options.reports.list.reports],
        };
        return report;
      }
      case 'refresh_it_reports': {
        const now = Math.floor(Date.now() / 1000);
        let unseen = options.reports.list.unseen;
        const reports = options.reports.list.reports.map((r) => {
          if (r.state !== 'new') return r;
          unseen += 1;
          return { ...r, state: 'confirmed' as const, resolvedAt: now, checkedAt: now };
        });
        options.reports.list = { reports, unseen };
        return options.reports.list;
      }
      case 'mark_it_reports_seen': {
        const was = options.reports.list.unseen;
        options.reports.list = {
          reports: options.reports.list.reports.map((r) => ({
            ...r,
            outcomeSeen: r.state !== 'new',
          })),
          unseen: 0,
        };
        return was;
      }
      default:
        return undefined;
    }
  }

  const checklistIds = [
    'remove_unofficial_numbers',
    'announce_official_path',
    'alerts_on',
    'drill_owner',
    'training',
  ];
  const checklistSteps: Record<string, unknown>[] = checklistIds.map((step) => ({
    step,
    status: 'not_started',
    started_at: null,
    updated_at: null,
    done_at: null,
    due_at: null,
    evidence: null,
  }));

  function recordStep(i: number): Record<string, unknown> {
    const at = 1_767_225_600;
    const state = {
      ...checklistSteps[i],
      status: 'done',
      started_at: at,
      updated_at: at,
      done_at: at,
    };
    checklistSteps[i] = state;
    return state;
  }

  function checklistStatus(): unknown {
    const done = checklistSteps.filter((s) => s.status === 'done').length;
    return {
      steps: checklistSteps.map((state) => ({
        state,
        summary: state.status === 'done' ? 'Recorded' : 'No evidence yet',
      })),
      progress: { done, due_again: 0, in_progress: 0, total: 5 },
      nextDrill: checklistSteps[3]?.status === 'done' ? 1_775_001_600 : null,
      passPercent: 80,
      nextStep: checklistSteps.find((s) => s.status !== 'done')?.step ?? null,
    };
  }

  async function invoke(cmd: string, args: Args = {}): Promise<unknown> {
    record.calls.push({ cmd, args });
    await Promise.resolve();
    const locked =
      cmd === 'set_remote_tripwire' && !args.enabled && options.tripwires.status.locked;
    const failure =
      options.deviceNoSecureStore && cmd.startsWith('device_enroll') && args.keyStore === 'os'
        ? {
            code: 'no_secure_store',
            message: 'no secure key store is usable on this device (no D-Bus session)',
          }
        : locked
          ? {
              code: 'invalid_input',
              message: 'your organisation keeps this protection on',
              reason: 'tripwire_locked',
            }
          : options.failures?.[cmd];
    // Tauri rejects with the serialised error value (or a string), never an Error.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    if (failure) return Promise.reject(failure);
    const result = answer(cmd, args);
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    if (result === undefined) return Promise.reject(`command ${cmd} not found`);
    if (typeof result === 'object' && result !== null && refusal in result)
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return Promise.reject((result as { [refusal]: Refusal })[refusal]);
    return result;
  }

  const internals = {
    invoke,
    transformCallback(callback: Callback, once = false): number {
      const id = nextId++;
      callbacks.set(id, (data) => {
        if (once) callbacks.delete(id);
        callback(data);
      });
      return id;
    },
    unregisterCallback(id: number): void {
      callbacks.delete(id);
    },
    metadata: {
      currentWindow: { label: 'main' },
      currentWebview: { windowLabel: 'main', label: 'main' },
    },
  };

  Object.assign(window, {
    __TAURI_INTERNALS__: internals,
    __TAURI_EVENT_PLUGIN_INTERNALS__: {
      unregisterListener(_event: string, id: number): void {
        callbacks.delete(id);
      },
    },
    __VERITY_MOCK__: record,
    /** The support state, for a test to change (then play `support-changed`). */
    __VERITY_SUPPORT__: support,
    /** The drills, for a test to read or change (then play `drill-changed`). */
    __VERITY_DRILLS__: drills,
    /** Plays a backend event (`open-support`, `tripwire-raised`…) from a test. */
    __VERITY_EMIT__: emit,
  });
}

/** Opens the app on `screen` with the mocked backend. */
export async function openApp(
  page: Page,
  screen = 'home',
  options: MockOptions = defaultOptions(),
): Promise<void> {
  await page.addInitScript(installMockBackend, options);
  await page.goto(`/#/${screen}`);
  await page.getByRole('heading', { level: 1 }).waitFor();
}

/** What the mocked backend saw. */
export function mockRecord(page: Page): Promise<MockRecord> {
  return page.evaluate(
    () => (window as unknown as { __VERITY_MOCK__: MockRecord }).__VERITY_MOCK__,
  );
}

/** Plays a backend event in the page, as Rust would emit it. */
export async function emitEvent(page: Page, event: string, payload: unknown = null): Promise<void> {
  await page.evaluate(
    ([name, data]) =>
      (window as unknown as { __VERITY_EMIT__: (e: string, p: unknown) => void }).__VERITY_EMIT__(
        name,
        data,
      ),
    [event, payload] as const,
  );
}
