/**
 * Words for the reports to IT: the "Report to IT" form's failures (shared by the warning signs,
 * the Check screen and the Threats screen), and a sent report as "Your reports to IT" lists it.
 * Strings live in `locales/<lang>/report.json` (`report.ui.*`) and, for the form itself, in
 * `tripwire.json` (`tripwire.ui.report.*`, where the form was first built).
 */
import { failureText as deviceFailureText } from '../device/words';
import { lookup, t } from '../i18n';
import type { IpcFailure, ItReport, ReportState } from '../ipc';

/** The longest note for IT the backend takes, in characters (Unicode scalar values, as Rust counts). */
export const REPORT_NOTE_MAX = 1000;

/** A note's length as the backend counts it (code points, not UTF-16 units). */
export function noteLength(note: string): number {
  return [...note].length;
}

/**
 * Words for a failed "Report to IT", by code and reason: not enrolled, a refused note (one holding
 * a one-time code above all), nothing to report, too many reports, a desk out of reach, the desk's
 * other refusals (as the Device screen words them). `undefined` leaves the error code's general
 * words. The passphrase codes are not worded here: the form asks for the passphrase instead.
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
      if (reason === 'nothing_to_report' || reason === 'too_long')
        return t(`report.ui.error.${reason}`);
      if (!reason) return undefined;
      return lookup(`tripwire.ui.error.${reason}`);
    case 'desk_refused':
      if (reason === 'report_rate_limited')
        return t('tripwire.ui.report.error.report_rate_limited');
      return deviceFailureText(failure);
    default:
      return undefined;
  }
}

/** What kind of report it was, from the backend's open set of codes ("A report" for a new one). */
export function reportKindText(kind: string): string {
  return lookup(`report.ui.kind.${kind}`) ?? t('report.ui.kind.other');
}

/** Where IT's triage stands: "Waiting for IT", "Confirmed by IT", "IT found nothing in it". */
export function reportStateText(state: ReportState): string {
  return t(`report.ui.state.${state}`);
}

/** A confirmed check or threat went onto the organisation's list; the sentence that says so. */
export function confirmedListedText(report: ItReport): string | undefined {
  return report.state === 'confirmed' && (report.kind === 'check' || report.kind === 'threat')
    ? t('report.ui.confirmed.listed')
    : undefined;
}
