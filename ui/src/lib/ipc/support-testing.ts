/**
 * The support part of the fake backend for component tests (see `testing.ts`). Test code only.
 * `mockSupport()` holds editable answers; `supportHandlers()` answers the support and agent
 * commands from them as the backend does (open queues a session, a message joins the chat as
 * sent, a wrong code answer raises `code_mismatch`, accepting an offer opens a session…);
 * `emitSupportChanged()` and `emitAgentChanged()` play the backend's events.
 */
import { emit } from '@tauri-apps/api/event';
import type {
  AgentDeskView,
  IpcError,
  LiveStatus,
  SessionOutcome,
  SessionView,
  SupportCategory,
} from '.';
import * as supportFixtures from './support-fixtures';

export { supportFixtures };

export type SupportBackend = {
  status: LiveStatus;
  session: SessionView | null;
  /** The agent's workplace; null: this app is not an agent's. */
  desk: AgentDeskView | null;
  /** Commands that fail, with the error the backend would return. */
  failures: Partial<Record<string, IpcError>>;
};

export function mockSupport(): SupportBackend {
  return { status: supportFixtures.liveStatus.none(), session: null, desk: null, failures: {} };
}

type Handler = (args: Record<string, unknown>) => unknown;

const SESSION_UNKNOWN: IpcError = {
  code: 'invalid_input',
  message: 'no such session',
  reason: 'session_unknown',
};

/** Handlers for the support commands, reading and updating `support()`. */
export function supportHandlers(
  support: () => SupportBackend,
  fail: (error: IpcError) => unknown,
): [string, Handler][] {
  const guarded =
    (cmd: string, run: Handler): Handler =>
    (args) => {
      const failure = support().failures[cmd];
      return failure ? fail(failure) : run(args);
    };
  const session = (change: (s: SessionView) => SessionView): unknown => {
    const sb = support();
    if (!sb.session) return fail(SESSION_UNKNOWN);
    sb.session = change(sb.session);
    return structuredClone(sb.session);
  };
  const desk = (change: (d: AgentDeskView) => AgentDeskView): unknown => {
    const sb = support();
    if (!sb.desk)
      return fail({ code: 'invalid_input', message: 'not an agent', reason: 'forbidden' });
    sb.desk = change(sb.desk);
    return structuredClone(sb.desk);
  };
  const handlers: [string, Handler][] = [
    ['support_status', () => ({ ...support().status })],
    ['support_session', () => structuredClone(support().session)],
    [
      'support_open',
      (args) => {
        const sb = support();
        sb.session = supportFixtures.queuedSession(
          args.category as SupportCategory,
          String(args.message),
        );
        sb.status = supportFixtures.liveStatus.queued();
        return structuredClone(sb.session);
      },
    ],
    [
      'support_send',
      (args) =>
        session((s) => ({
          ...s,
          messages: [
            ...s.messages,
            supportFixtures.message(`e-${s.messages.length}`, 'me', String(args.text), {
              delivery: 'sent',
            }),
          ],
        })),
    ],
    ['support_typing', () => null],
    [
      'support_answer_code',
      (args) =>
        session((s) => ({
          ...s,
          call: s.call ? { ...s.call, matched: Boolean(args.matched) } : null,
          problem: args.matched ? s.problem : 'code_mismatch',
        })),
    ],
    [
      'support_close',
      () => session((s) => ({ ...s, phase: 'closed', outcome: 'abandoned', peerTyping: false })),
    ],
    ['agent_desk', () => structuredClone(support().desk)],
    ['agent_set_online', (args) => desk((d) => ({ ...d, online: Boolean(args.online) }))],
    [
      'agent_accept',
      (args) =>
        desk((d) => ({
          ...d,
          offers: d.offers.filter((o) => o.sessionId !== args.sessionId),
          sessions: [
            ...d.sessions,
            supportFixtures.agentSession({
              sessionId: String(args.sessionId),
              category: d.offers.find((o) => o.sessionId === args.sessionId)?.category ?? 'other',
              messages: [supportFixtures.message('e-0', 'peer', supportFixtures.FIRST_MESSAGE)],
            }),
          ],
        })),
    ],
    [
      'agent_decline',
      (args) =>
        desk((d) => ({ ...d, offers: d.offers.filter((o) => o.sessionId !== args.sessionId) })),
    ],
    [
      'agent_send',
      (args) =>
        desk((d) => ({
          ...d,
          sessions: d.sessions.map((s) =>
            s.sessionId === args.sessionId
              ? {
                  ...s,
                  messages: [
                    ...s.messages,
                    supportFixtures.message(`a-${s.messages.length}`, 'me', String(args.text), {
                      delivery: 'sent',
                    }),
                  ],
                }
              : s,
          ),
        })),
    ],
    ['agent_typing', () => null],
    [
      'agent_transfer',
      (args) =>
        desk((d) => ({ ...d, sessions: d.sessions.filter((s) => s.sessionId !== args.sessionId) })),
    ],
    [
      'agent_start_call',
      (args) =>
        desk((d) => ({
          ...d,
          sessions: d.sessions.map((s) =>
            s.sessionId === args.sessionId
              ? { ...s, call: { callId: 'c-1', code: supportFixtures.CALL_CODE, matched: null } }
              : s,
          ),
        })),
    ],
    [
      'agent_close',
      (args) =>
        desk((d) => ({
          ...d,
          sessions: d.sessions.map((s) =>
            s.sessionId === args.sessionId
              ? { ...s, phase: 'closed' as const, outcome: args.outcome as SessionOutcome }
              : s,
          ),
        })),
    ],
    [
      'device_enroll_agent',
      () => {
        const sb = support();
        sb.desk = supportFixtures.agentDesk(Math.floor(Date.now() / 1000));
        return supportFixtures.agentEnrolled();
      },
    ],
  ];
  return handlers.map(([cmd, run]) => [cmd, guarded(cmd, run)]);
}

/** Plays the backend's `support-changed` event. */
export async function emitSupportChanged(): Promise<void> {
  await emit('support-changed', null);
}

/** Plays the backend's `agent-changed` event. */
export async function emitAgentChanged(): Promise<void> {
  await emit('agent-changed', null);
}
