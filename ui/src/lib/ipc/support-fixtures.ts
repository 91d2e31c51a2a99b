/**
 * Realistic support answers (issue 13) shared by the component tests (`support-testing.ts`) and
 * the Playwright mock (`e2e/mock-backend.ts`). Test code only: plain data with type imports only.
 */
import type {
  AgentCard,
  AgentDeskView,
  AgentEnrolled,
  AgentSessionView,
  ChatMessage,
  EmployeeCard,
  LiveStatus,
  OfferView,
  SessionView,
  SupportCategory,
} from '.';

/** 2026-03-02 04:00 UTC (as `fixtures.ADDED`). */
export const OPENED = 1_772_424_000;

/** The code both apps derive for the fixture call. */
export const CALL_CODE = '482 915';

export function agentCard(change: Partial<AgentCard> = {}): AgentCard {
  return {
    name: 'Wong Ka Yan',
    role: 'agent',
    team: 'Accounts and sign-in',
    organisation: 'Acme HK',
    fingerprint: '9D4E 1A7C 33F0 B286 5E19 C0A4 7F2B 68D1 0E95 4C3A B7F6 2918 DA05 61EC 4F8B 73A0',
    ...change,
  };
}

export function employeeCard(): EmployeeCard {
  return {
    name: 'Chan Tai Man',
    employeeId: 'e100',
    fingerprint: 'A1B2 C3D4 E5F6 0718 293A 4B5C 6D7E 8F90 0123 4567 89AB CDEF FEDC BA98 7654 3210',
  };
}

export function message(
  id: string,
  from: ChatMessage['from'],
  text: string,
  change: Partial<ChatMessage> = {},
): ChatMessage {
  return {
    id,
    from,
    text,
    at: OPENED + 60,
    delivery: from === 'me' ? 'delivered' : null,
    guard: [],
    ...change,
  };
}

/** The employee's first message. */
export const FIRST_MESSAGE = 'I cannot sign in to DingTalk since this morning.';
/** A message that asks for a one-time code (the guard rail's case). */
export const CODE_REQUEST = 'Please read me the 6-digit code we just sent you by SMS.';

/** A session waiting for an agent: second in the queue, about three minutes. */
export function queuedSession(
  category: SupportCategory = 'login',
  text = FIRST_MESSAGE,
): SessionView {
  return {
    sessionId: 's-1',
    phase: 'queued',
    category,
    position: 2,
    expectedWaitSecs: 170,
    agent: null,
    messages: [message('e-0', 'me', text, { delivery: 'sent' })],
    peerTyping: false,
    peerOnline: false,
    connected: true,
    call: null,
    outcome: null,
    summary: null,
    problem: null,
    openedAt: OPENED,
  };
}

/** The agent took it; the apps are proving who they are. */
export function connectingSession(): SessionView {
  return { ...queuedSession(), phase: 'connecting', position: null, expectedWaitSecs: null };
}

/** Verified both ways and chatting; the agent's last message asks for a code. */
export function chattingSession(change: Partial<SessionView> = {}): SessionView {
  return {
    ...queuedSession(),
    phase: 'chatting',
    position: null,
    expectedWaitSecs: null,
    agent: agentCard(),
    messages: [
      message('e-0', 'me', FIRST_MESSAGE),
      message('a-0', 'peer', 'Hello, this is Acme HK support. I will help you with that.'),
      message('a-1', 'peer', CODE_REQUEST, { guard: ['asks_for_code'] }),
      message('e-1', 'me', 'Why do you need it?', { delivery: 'sending' }),
    ],
    peerTyping: true,
    peerOnline: true,
    ...change,
  };
}

/** The agent started a call and both apps derived the code. */
export function callingSession(): SessionView {
  return chattingSession({
    peerTyping: false,
    call: { callId: 'c-1', code: CALL_CODE, matched: null },
  });
}

/** Closed by the agent with a summary. */
export function closedSession(): SessionView {
  return chattingSession({
    phase: 'closed',
    peerTyping: false,
    outcome: 'resolved',
    summary: 'Your sign-in was reset. Sign in again with your new password.',
  });
}

export const liveStatus = {
  none: (): LiveStatus => ({
    state: 'none',
    agentName: null,
    agentFingerprint: null,
    reason: null,
    checkedAt: OPENED,
  }),
  queued: (): LiveStatus => ({ ...liveStatus.none(), state: 'queued' }),
  chatting: (): LiveStatus => ({
    ...liveStatus.none(),
    state: 'chatting',
    agentName: agentCard().name,
    agentFingerprint: agentCard().fingerprint,
  }),
  calling: (): LiveStatus => ({ ...liveStatus.chatting(), state: 'calling' }),
  cannotCheck: (): LiveStatus => ({
    ...liveStatus.none(),
    state: 'cannot_check',
    reason: 'offline',
  }),
};

/** An offer that lapses `secondsLeft` after `nowSeconds`. */
export function offer(nowSeconds: number, secondsLeft = 27, id = 's-2'): OfferView {
  return {
    sessionId: id,
    category: 'login',
    language: 'zh-HK',
    region: 'HK',
    waitedSecs: 95,
    expiresAt: nowSeconds + secondsLeft,
  };
}

export function agentSession(change: Partial<AgentSessionView> = {}): AgentSessionView {
  return {
    sessionId: 's-1',
    phase: 'chatting',
    category: 'account',
    language: 'en',
    employee: employeeCard(),
    messages: [
      message('e-0', 'peer', FIRST_MESSAGE),
      message('a-0', 'me', 'Hello, this is Acme HK support. I will help you with that.'),
    ],
    peerTyping: false,
    peerOnline: true,
    call: null,
    outcome: null,
    ...change,
  };
}

/** The agent's workplace: online, one session open, one offer waiting. */
export function agentDesk(nowSeconds: number): AgentDeskView {
  return {
    me: agentCard(),
    online: true,
    connected: true,
    capacity: 3,
    waiting: 4,
    offers: [offer(nowSeconds)],
    sessions: [agentSession()],
    alerts: [],
  };
}

export function agentEnrolled(): AgentEnrolled {
  return { deskUrl: 'https://desk.acme.example/', agent: agentCard() };
}
