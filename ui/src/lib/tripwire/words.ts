/**
 * Words for the tripwires (the "warning signs"): an event as the Threats screen lists it, the
 * count Home shows, and the failures the tripwire commands may give. Strings live in
 * `locales/<lang>/tripwire.json` under `tripwire.ui.*` (the other keys there are the Rust side's
 * notifications).
 */
import { failureText as deviceFailureText } from '../device/words';
import { plural } from '../feed/words';
import { lookup, t } from '../i18n';
import type { ErrorReason, IpcFailure, TripwireEvent } from '../ipc';

/** What an event was: "AnyDesk was running", "AnyDesk installer downloaded", "A one-time code…". */
export function eventText(event: TripwireEvent): string {
  switch (event.kind) {
    case 'remote_tool':
      return event.tool
        ? t('tripwire.ui.event.remote_tool', { tool: event.tool })
        : t('tripwire.ui.event.remote_tool.unnamed');
    case 'installer':
      return event.tool
        ? t('tripwire.ui.event.installer', { tool: event.tool })
        : t('tripwire.ui.event.installer.unnamed');
    case 'code':
      return t('tripwire.ui.event.code');
  }
}

/** Home's line: how many events in the last 30 days (a sentence of its own for none). */
export function recentText(recent: number): string {
  return recent === 0 ? t('tripwire.ui.home.none') : plural('tripwire.ui.home.count', recent);
}

/** Words for a tripwire command's failure `reason`, when there are some. */
export function reasonText(reason: ErrorReason | null): string | undefined {
  if (!reason || reason === 'unknown') return undefined;
  return lookup(`tripwire.ui.error.${reason}`);
}

/** The longest note for IT the backend takes, in characters (Unicode scalar values, as Rust counts). */
export const REPORT_NOTE_MAX = 1000;

/** A note's length as the backend counts it (code points, not UTF-16 units). */
export function noteLength(note: string): number {
  return [...note].length;
}

/**
 * Words for a failed "Report to IT", by code and reason: not enrolled, a refused note, too many
 * reports, a desk out of reach, the desk's other refusals (as the Device screen words them).
 * `undefined` leaves the error code's general words. The passphrase codes are not worded here:
 * the form asks for the passphrase instead.
 */
export function reportFailureText(failure: IpcFailure): string | undefined {
  const reason = failure.reason && failure.reason !== 'unknown' ? failure.reason : null;
  switch (failure.code) {
    case 'not_enrolled':
    case 'desk_unreachable':
      return t(`tripwire.ui.report.error.${failure.code}`);
    case 'invalid_input':
      if (reason === 'report_note_invalid' || reason === 'report_note_has_code')
        return t(`tripwire.ui.report.error.${reason}`);
      return reasonText(reason);
    case 'desk_refused':
      if (reason === 'report_rate_limited')
        return t('tripwire.ui.report.error.report_rate_limited');
      return deviceFailureText(failure);
    default:
      return undefined;
  }
}
