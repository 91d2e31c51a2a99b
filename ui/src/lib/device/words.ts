/**
 * Words for what the device commands return: the three checks' codes (`device.result.*`), the
 * desk's refusals (`device.refusal.*`) and the device error codes (`error.*`), all in
 * `locales/<lang>/device.json`. A code no language words yet is shown as itself, never hidden.
 */
import { lookup, t } from '../i18n';
import type { DeviceCheck, DeviceChecks, IpcFailure } from '../ipc';

/** The three checks, in the order the desk runs them. */
export const CHECK_NAMES = ['device_binding', 'two_factor', 'region'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** How a check came out: passed, passed with a note (no region policy yet), refused, not run. */
export type CheckState = 'pass' | 'warn' | 'fail' | 'skipped';

const FIELDS: Record<CheckName, keyof Omit<DeviceChecks, 'ok'>> = {
  device_binding: 'deviceBinding',
  two_factor: 'twoFactor',
  region: 'region',
};

/** One named check of a report. */
export function checkOf(checks: DeviceChecks, name: CheckName): DeviceCheck {
  return checks[FIELDS[name]];
}

export function checkState(check: DeviceCheck): CheckState {
  if (check.code === 'not_checked') return 'skipped';
  if (!check.ok) return 'fail';
  return check.code === 'ok' ? 'pass' : 'warn';
}

export const checkName = (name: CheckName): string => t(`device.check.${name}`);
export const stateText = (state: CheckState): string => t(`device.state.${state}`);

/** What a check's result means for the user, and what to do about a refusal. */
export function checkText(name: CheckName, check: DeviceCheck): string {
  if (check.code === 'ok') return t(`device.result.${name}.ok`);
  return lookup(`device.result.${check.code}`) ?? t('device.result.unknown', { code: check.code });
}

/**
 * Words for a failed device command. A refusal by the desk is worded from the desk's own code
 * (a used enrolment code, a revoked device, a region refusal…) where Verity knows it.
 */
export function failureText(failure: IpcFailure): string {
  // A code this build does not know (`unknown`) is worded by the error code alone.
  if (failure.code === 'desk_refused' && failure.reason && failure.reason !== 'unknown') {
    const why =
      lookup(`device.refusal.${failure.reason}`) ?? lookup(`device.result.${failure.reason}`);
    if (why) return why;
  }
  return lookup(`error.${failure.code}`) ?? failure.code;
}

/** A fingerprint as groups of four (`3F2A 9C01 …`), however it was typed. */
export function groupFingerprint(fingerprint: string): string {
  const hex = fingerprint.replace(/[^0-9a-f]/gi, '').toUpperCase();
  return hex.match(/.{1,4}/g)?.join(' ') ?? '';
}

/** Whether two fingerprints are the same, however typed (spaces, colons, case). */
export function sameFingerprint(a: string, b: string): boolean {
  const norm = (s: string): string => s.replace(/[^0-9a-f]/gi, '').toUpperCase();
  return norm(a) !== '' && norm(a) === norm(b);
}
