import { describe, expect, it } from 'vitest';
import { IpcFailure, REPORT_STATES } from '../ipc';
import { itReports } from '../ipc/report-fixtures';
import { confirmedListedText, reportFailureText, reportKindText, reportStateText } from './words';

describe('words for the reports to IT', () => {
  it('word every kind, and a kind this build does not know as "A report"', () => {
    expect(reportKindText('check')).toBe('A check');
    expect(reportKindText('threat')).toBe('A threat from the list');
    expect(reportKindText('tripwire_remote_tool')).toBe('Warning sign: remote-access program');
    expect(reportKindText('tripwire_code_guard')).toBe('Warning sign: one-time code');
    expect(reportKindText('something_newer')).toBe('A report');
  });

  it('word every state', () => {
    expect(REPORT_STATES.map(reportStateText)).toEqual([
      'Waiting for IT',
      'Confirmed by IT',
      'IT found nothing in it',
    ]);
  });

  it('say "now on the list" only for a confirmed check or threat', () => {
    const [confirmed, rejected] = itReports().reports;
    if (!confirmed || !rejected) throw new Error('fixtures');
    expect(confirmedListedText(confirmed)).toBe(
      "IT confirmed it: it's now on your organisation's list.",
    );
    expect(confirmedListedText({ ...confirmed, kind: 'threat' })).toBeDefined();
    expect(confirmedListedText({ ...confirmed, kind: 'tripwire_remote_tool' })).toBeUndefined();
    expect(confirmedListedText(rejected)).toBeUndefined();
  });

  it('word the refusals of a report', () => {
    const refused = (reason: 'nothing_to_report' | 'report_note_has_code' | 'too_long') =>
      reportFailureText(new IpcFailure('invalid_input', 'x', reason));
    expect(refused('nothing_to_report')).toBe(
      'There is no phone number, link or message in this to report.',
    );
    expect(refused('report_note_has_code')).toMatch(/^Never send a code to anyone, not even IT\./);
    expect(refused('too_long')).toMatch(/too long to report/);
    expect(reportFailureText(new IpcFailure('passphrase_needed', 'x'))).toBeUndefined();
  });
});
