/**
 * Words for what the support commands return (`locales/<lang>/support.json`): categories, roles,
 * outcomes, guard-rail cues, the live status, a session's problem, waits and countdowns. A code no
 * language words yet is shown with the code itself, never hidden.
 */
import { failureText } from '../device/words';
import { formatNumber } from '../feed/words';
import { currentLanguage, lookup, t } from '../i18n';
import type {
  AgentRoleCode,
  CannotCheckReason,
  ErrorReason,
  GuardCue,
  IpcFailure,
  LiveStatus,
  SessionOutcome,
  SupportCategory,
} from '../ipc';
import { MAX_MESSAGE_CHARS } from '../ipc';

export const categoryText = (c: SupportCategory): string => t(`support.category.${c}`);
export const roleText = (r: AgentRoleCode): string => t(`support.role.${r}`);
export const outcomeText = (o: SessionOutcome): string => t(`support.outcome.${o}`);

/** The warning shown beside a message that asks for what real support never needs. */
export const guardText = (cue: GuardCue): string => t(`support.guard.${cue}`);

/** A session's problem (a refusal, a bad certificate, a code that did not match…), in words. */
export function problemText(reason: ErrorReason): string {
  if (reason === 'unknown') return t('support.problem.unknown', { code: reason });
  return (
    lookup(`support.problem.${reason}`) ??
    lookup(`device.refusal.${reason}`) ??
    lookup(`device.result.${reason}`) ??
    t('support.problem.unknown', { code: reason })
  );
}

/** A failed support command, worded from its reason when Verity knows it, else from its code. */
export function supportFailureText(failure: IpcFailure): string {
  if (failure.reason && failure.reason !== 'unknown' && failure.reason !== 'internal') {
    const why = lookup(`support.problem.${failure.reason}`);
    if (why) return why;
  }
  return failureText(failure);
}

/** The live status's headline: what Home says, strongly, about who from support talks to you. */
export function liveHeadline(status: LiveStatus): string {
  const agent = status.agentName ?? t('support.chat.peerFallback');
  switch (status.state) {
    case 'none':
      return t('home.support.none');
    case 'queued':
      return t('home.support.queued');
    case 'chatting':
      return t('home.support.chatting', { agent });
    case 'calling':
      return t('home.support.calling', { agent });
    case 'cannot_check':
      return t('home.support.cannot_check');
  }
}

export const cannotCheckText = (reason: CannotCheckReason): string =>
  t(`home.support.reason.${reason}`);

/** The characters of a message as the desk counts them (code points, not UTF-16 units). */
export const charCount = (text: string): number => [...text].length;

/** "12 of 4,000 characters". */
export const counterText = (text: string): string =>
  t('support.counter', {
    count: formatNumber(charCount(text)),
    max: formatNumber(MAX_MESSAGE_CHARS),
  });

/** The desk's expected wait, rounded up to whole minutes ("less than a minute" below one). */
export function waitText(seconds: number): string {
  if (seconds < 60) return t('support.wait.lessThanMinute');
  return t('support.wait.minutes', { count: formatNumber(Math.ceil(seconds / 60)) });
}

/** Whole seconds left until `expiresAt` (Unix seconds) at `nowMs`, never below zero. */
export function secondsLeft(expiresAt: number, nowMs: number): number {
  return Math.max(0, Math.ceil(expiresAt - nowMs / 1000));
}

/** A short span as `m:ss` (`0:27`, `1:05`), in the UI's digits. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const minutes = Math.floor(s / 60);
  const rest = s % 60;
  const nf = new Intl.NumberFormat(currentLanguage(), { minimumIntegerDigits: 2 });
  return `${formatNumber(minutes)}:${nf.format(rest)}`;
}

/** A moment (Unix seconds) as a time of day in the current language. */
export function formatTime(seconds: number): string {
  return new Intl.DateTimeFormat(currentLanguage(), { timeStyle: 'short' }).format(
    new Date(seconds * 1000),
  );
}

/** A spoken code as two groups of three digits (`123 456`), however the backend spaced it. */
export function spokenCode(code: string): string {
  const digits = code.replace(/\D/g, '');
  return digits.length === 6 ? `${digits.slice(0, 3)} ${digits.slice(3)}` : code;
}

/** A 6-digit TOTP code as typed (spaces allowed), or null when it is not one. */
export function totpDigits(typed: string): string | null {
  const digits = typed.replace(/\s/g, '');
  return /^\d{6}$/.test(digits) ? digits : null;
}
