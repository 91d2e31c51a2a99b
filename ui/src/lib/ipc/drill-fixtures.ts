/**
 * Realistic drill answers (issue 15) shared by the component tests (`drill-testing.ts`) and the
 * Playwright mock (`e2e/mock-backend.ts`). Test code only: plain data with type imports only.
 * The lures' words are the scenario library's (`proto::drill::lure_text`) as Rust sends them.
 */
import type { DrillChatLine, DrillOutcomeKind, DrillView, OutcomeHow } from '.';

/** 2026-03-02 04:00 UTC: when the fixture lures were shown. */
export const SHOWN = 1_772_424_000;
/** 72 hours later: when they expire unanswered. */
export const EXPIRES = SHOWN + 72 * 3600;

export const NUMBER = '+852 3001 9999';
export const LINK = 'https://dingtalk-help.acme-hk.example/verify';

type Words = { sender: string; body: string };

/** The freeze threat (a notification), in English and Arabic. */
export const FREEZE: Record<'en' | 'ar', Words> = {
  en: {
    sender: 'DingTalk Service',
    body: `DingTalk Service: your enterprise account will be frozen in 24 hours. To keep it, verify at ${LINK} or call ${NUMBER}.`,
  },
  ar: {
    sender: 'خدمة DingTalk',
    body: `خدمة DingTalk: سيُجمَّد حساب مؤسستك خلال 24 ساعة. للاحتفاظ به، تحقّق عبر ${LINK} أو اتصل بالرقم ${NUMBER}.`,
  },
};

/** The support-code chat (an unverified chat request), in English and Arabic. */
export const SUPPORT_CODE: Record<'en' | 'ar', Words & { followUps: string[] }> = {
  en: {
    sender: 'DingTalk Support',
    body: 'Hello, this is DingTalk Enterprise Support. We detected an unusual sign-in to your enterprise account. To keep it safe, please tell me the 6-digit verification code we just sent to your phone.',
    followUps: [
      'To avoid your account being suspended, please send the code within 10 minutes.',
      `If you have questions, call our support hotline ${NUMBER}.`,
    ],
  },
  ar: {
    sender: 'دعم DingTalk',
    body: 'مرحبًا، معك دعم DingTalk للمؤسسات. رصدنا تسجيل دخول غير معتاد إلى حساب مؤسستك. لحماية الحساب، أرسل لي رمز التحقق المكوّن من 6 أرقام الذي وصل إلى هاتفك الآن.',
    followUps: [
      'لتجنّب إيقاف الحساب، أرسل الرمز خلال 10 دقائق.',
      `للاستفسار اتصل بخط الدعم ${NUMBER}.`,
    ],
  },
};

/** A freeze-threat notification lure, shown and not answered yet. */
export function notificationDrill(
  change: Partial<DrillView> = {},
  language: 'en' | 'ar' = 'en',
): DrillView {
  return {
    drillId: 'd-00000000000000a1',
    scenario: 'freeze_threat',
    channel: 'notification',
    ...FREEZE[language],
    number: NUMBER,
    link: LINK,
    shownAt: SHOWN,
    expiresAt: EXPIRES,
    state: 'open',
    outcome: null,
    how: null,
    actedAt: null,
    chat: [],
    ...change,
  };
}

/** A support-code chat request, shown and not answered yet: the fake agent's first line. */
export function chatDrill(
  change: Partial<DrillView> = {},
  language: 'en' | 'ar' = 'en',
): DrillView {
  const words = SUPPORT_CODE[language];
  const first: DrillChatLine = { from: 'them', text: words.body, at: SHOWN };
  return {
    drillId: 'd-00000000000000c2',
    scenario: 'support_code',
    channel: 'support_chat',
    sender: words.sender,
    body: words.body,
    number: NUMBER,
    link: LINK,
    shownAt: SHOWN,
    expiresAt: EXPIRES,
    state: 'open',
    outcome: null,
    how: null,
    actedAt: null,
    chat: [first],
    ...change,
  };
}

/** The final outcome a way of acting belongs to. */
export function outcomeOf(how: OutcomeHow): DrillOutcomeKind | null {
  switch (how) {
    case 'report_to_it':
    case 'check':
      return 'reported';
    case 'opened_link':
    case 'typed_code':
      return 'engaged';
    case 'dismissed':
    case 'expired':
      return 'ignored';
    case 'shown':
      return null;
  }
}

/** `drill` decided by `how` at `at` (the first act decides: a decided drill stays as it is). */
export function decided(drill: DrillView, how: OutcomeHow, at: number): DrillView {
  if (drill.state === 'done') return drill;
  return { ...drill, state: 'done', outcome: outcomeOf(how), how, actedAt: at };
}

/** A message with a run of 4–8 digits is a code typed into the fake chat. */
export function hasCode(text: string): boolean {
  return /(?<!\d)\d{4,8}(?!\d)/.test(text);
}

/** The employee's past drills, newest first: one reported in 4 minutes, one engaged, one expired. */
export function pastDrills(): DrillView[] {
  const day = 86_400;
  return [
    decided(notificationDrill({ drillId: 'd-00000000000000f3' }), 'report_to_it', SHOWN + 240),
    decided(
      chatDrill({ drillId: 'd-00000000000000f2', shownAt: SHOWN - 90 * day }),
      'typed_code',
      SHOWN - 90 * day + 120,
    ),
    decided(
      notificationDrill({
        drillId: 'd-00000000000000f1',
        scenario: 'paid_upgrade',
        shownAt: SHOWN - 180 * day,
        expiresAt: SHOWN - 177 * day,
      }),
      'expired',
      SHOWN - 177 * day,
    ),
  ];
}
