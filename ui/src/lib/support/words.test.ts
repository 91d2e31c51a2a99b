import { afterEach, describe, expect, it } from 'vitest';
import { LANGUAGES, applyLanguage } from '../i18n';
import { catalogues } from '../i18n/all';
import {
  ERROR_REASONS,
  GUARD_CUES,
  IpcFailure,
  SESSION_OUTCOMES,
  SUPPORT_CATEGORIES,
} from '../ipc';
import type { ErrorReason } from '../ipc';
import { liveStatus } from '../ipc/support-fixtures';
import {
  formatCountdown,
  guardText,
  liveHeadline,
  problemText,
  secondsLeft,
  spokenCode,
  supportFailureText,
  totpDigits,
  waitText,
} from './words';

/** The reasons the support desk and the session's channel add (issue 13). */
const SUPPORT_REASONS: readonly ErrorReason[] = [
  'session_unknown',
  'session_closed',
  'session_open',
  'forbidden',
  'already_taken',
  'at_capacity',
  'frame_invalid',
  'rate_limited',
  'agent_revoked',
  'no_route',
  'origin_refused',
  'no_audit_key',
  'peer_unverified',
  'code_commitment_broken',
  'code_mismatch',
  'channel_broken',
];

afterEach(() => applyLanguage('en'));

describe('support words', () => {
  it('lists every support reason the backend declares', () => {
    for (const reason of SUPPORT_REASONS) expect(ERROR_REASONS).toContain(reason);
  });

  it.each(LANGUAGES.map((l) => l.code))(
    'words every support reason, cue, category and outcome in %s',
    (language) => {
      const catalogue = catalogues[language];
      for (const reason of SUPPORT_REASONS)
        expect(catalogue[`support.problem.${reason}`], `${language} ${reason}`).toBeTruthy();
      for (const cue of GUARD_CUES)
        expect(catalogue[`support.guard.${cue}`], `${language} ${cue}`).toBeTruthy();
      for (const c of SUPPORT_CATEGORIES)
        expect(catalogue[`support.category.${c}`], `${language} ${c}`).toBeTruthy();
      for (const o of SESSION_OUTCOMES)
        expect(catalogue[`support.outcome.${o}`], `${language} ${o}`).toBeTruthy();
    },
  );

  it('warns beside a message for each cue, even from a verified agent', () => {
    expect(guardText('asks_for_code')).toBe(
      "Real support never asks for a one-time code — even a verified agent. Don't give it.",
    );
    expect(guardText('asks_for_password')).toMatch(/never asks for your password/);
    expect(guardText('asks_for_payment')).toMatch(/never asks you to pay/);
    expect(guardText('asks_for_remote_access')).toMatch(/never asks for remote access/);
    applyLanguage('zh-HK');
    expect(guardText('asks_for_code')).toMatch(/一次性驗證碼/);
  });

  it('words a problem plainly, falling back to the device words, then to the code', () => {
    expect(problemText('peer_unverified')).toBe(
      "This is not your organisation's support: its certificate did not verify. Close the chat and report it.",
    );
    expect(problemText('code_mismatch')).toBe(
      'Hang up. This call is not from support. IT has been told.',
    );
    expect(problemText('totp_locked')).toMatch(/Too many wrong codes/);
    expect(problemText('unknown')).toBe('Something went wrong with the session (unknown).');
  });

  it('words a failed command by its reason when known, else by its code', () => {
    expect(supportFailureText(new IpcFailure('desk_refused', 'taken', 'already_taken'))).toBe(
      'Another agent took this session first.',
    );
    expect(supportFailureText(new IpcFailure('desk_unreachable', 'offline'))).toBe(
      catalogues.en['error.desk_unreachable'],
    );
  });

  it('says the live status in each of its five states', () => {
    expect(liveHeadline(liveStatus.none())).toBe(
      'No one from support is talking to you. If someone says they are, hang up.',
    );
    expect(liveHeadline(liveStatus.queued())).toBe('Your support request is waiting for an agent.');
    expect(liveHeadline(liveStatus.chatting())).toBe(
      'You are chatting with Wong Ka Yan (verified).',
    );
    expect(liveHeadline(liveStatus.calling())).toBe(
      'Wong Ka Yan is calling you now — check the code in Verity.',
    );
    expect(liveHeadline(liveStatus.cannotCheck())).toBe(
      "Can't check — don't talk to anyone who says they are support.",
    );
  });

  it('counts an offer down to zero, never below', () => {
    const expiresAt = 1_000_030;
    expect(secondsLeft(expiresAt, 1_000_000_000)).toBe(30);
    expect(secondsLeft(expiresAt, 1_000_000_400)).toBe(30); // rounds a part second up
    expect(secondsLeft(expiresAt, 1_000_029_001)).toBe(1);
    expect(secondsLeft(expiresAt, 1_000_030_000)).toBe(0);
    expect(secondsLeft(expiresAt, 1_000_090_000)).toBe(0);
    expect(formatCountdown(27)).toBe('0:27');
    expect(formatCountdown(65)).toBe('1:05');
    expect(formatCountdown(-3)).toBe('0:00');
    applyLanguage('ar');
    expect(formatCountdown(27)).toMatch(/^[0٠]:[0-9٠-٩]{2}$/);
  });

  it('rounds the expected wait up to minutes', () => {
    expect(waitText(20)).toBe('less than a minute');
    expect(waitText(60)).toBe('1 min');
    expect(waitText(170)).toBe('3 min');
  });

  it('reads the TOTP code and writes the spoken code in two groups', () => {
    expect(totpDigits('123 456')).toBe('123456');
    expect(totpDigits('12345')).toBeNull();
    expect(totpDigits('12345a')).toBeNull();
    expect(spokenCode('482915')).toBe('482 915');
    expect(spokenCode('482 915')).toBe('482 915');
  });
});
