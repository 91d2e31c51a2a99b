/**
 * The reports to IT in the fake backend for component tests (see `testing.ts`). Test code only.
 * `mockReports()` holds editable answers; `reportHandlers()` answers the commands from them as
 * the backend does: a report joins the list (newest first) as "waiting for IT", a note holding a
 * one-time code or over 1,000 characters is refused, a key in a passphrase file needs it,
 * refreshing applies `answers` (IT's decisions) and marks the list checked, marking seen clears
 * the unseen count.
 */
import type { CheckKind, IpcError, ItReport, ItReportList, ThreatList } from '.';
import * as reportFixtures from './report-fixtures';

export { reportFixtures };

export type ReportBackend = {
  list: ItReportList;
  /** `report_check` / `report_threat` fail with this error (after the passphrase check). */
  reportFailure: IpcError | null;
  /** `refresh_it_reports` fails with this error (after the passphrase check). */
  refreshFailure: IpcError | null;
  /** The passphrase of the device key file, or `null`: the key is in the system store. */
  keyPassphrase: string | null;
  /** IT's decisions the desk gives on the next refresh, by report id. */
  answers: Map<number, Pick<ItReport, 'state' | 'resolvedAt'>>;
  nextId: number;
};

export function mockReports(): ReportBackend {
  return {
    list: reportFixtures.itReports(),
    reportFailure: null,
    refreshFailure: null,
    keyPassphrase: null,
    answers: new Map(),
    nextId: 46,
  };
}

type Handler = (args: Record<string, unknown>) => unknown;

/** Six digits or more in a row: what the mock takes for a one-time code in a note. */
const CODE = /\d{6,}/;

const copy = (list: ItReportList): ItReportList => ({
  reports: list.reports.map((r) => ({ ...r })),
  unseen: list.unseen,
});

/** Handlers for the reports-to-IT commands, reading and updating `reports()`. */
export function reportHandlers(
  reports: () => ReportBackend,
  threats: () => ThreatList,
  /** What a check of `input` reports (its normalised number or link), `null`: nothing. */
  checkedItem: (input: string, kind: CheckKind | null) => string | null,
  fail: (error: IpcError) => unknown,
): [string, Handler][] {
  const key = (args: Record<string, unknown>): IpcError | null => {
    const r = reports();
    if (r.keyPassphrase === null) return null;
    if (args.passphrase === null || args.passphrase === undefined) {
      return { code: 'passphrase_needed', message: 'the device key is in a passphrase file' };
    }
    return args.passphrase === r.keyPassphrase
      ? null
      : { code: 'wrong_passphrase', message: 'the passphrase does not open the device key file' };
  };
  const invalid = (reason: IpcError['reason'], message: string): IpcError => ({
    code: 'invalid_input',
    message,
    reason,
  });
  const add = (args: Record<string, unknown>, kind: string, item: string | null): unknown => {
    const r = reports();
    const note = String(args.note);
    if ([...note].length > 1000) {
      return fail(invalid('report_note_invalid', 'the note is longer than 1000 characters'));
    }
    if (CODE.test(note)) {
      return fail(invalid('report_note_has_code', 'the note holds a one-time code'));
    }
    const report: ItReport = {
      id: r.nextId++,
      kind,
      item,
      sentAt: reportFixtures.SENT_AT,
      state: 'new',
      resolvedAt: null,
      checkedAt: null,
      outcomeSeen: false,
    };
    r.list = { ...r.list, reports: [report, ...r.list.reports] };
    return { ...report };
  };
  return [
    [
      'report_check',
      (args) => {
        const refused = key(args) ?? reports().reportFailure;
        if (refused) return fail(refused);
        const item = checkedItem(String(args.input), (args.kind ?? null) as CheckKind | null);
        if (item === null) {
          return fail(invalid('nothing_to_report', 'no number, link or message to report'));
        }
        return add(args, 'check', item);
      },
    ],
    [
      'dispute_check',
      (args) => {
        const refused = key(args) ?? reports().reportFailure;
        if (refused) return fail(refused);
        const item = checkedItem(String(args.input), (args.kind ?? null) as CheckKind | null);
        if (item === null) {
          return fail(invalid('nothing_to_report', 'no single number or link to dispute'));
        }
        if (String(args.note).trim() === '') {
          return fail(invalid('report_note_invalid', 'an appeal says why'));
        }
        return add(args, 'appeal', item);
      },
    ],
    [
      'report_threat',
      (args) => {
        const refused = key(args) ?? reports().reportFailure;
        if (refused) return fail(refused);
        const threat = threats().items.find((t) => t.id === args.id);
        if (!threat) return fail(invalid('nothing_to_report', 'no such threat'));
        return add(args, 'threat', threat.value);
      },
    ],
    ['it_reports', () => copy(reports().list)],
    [
      'refresh_it_reports',
      (args) => {
        const refused = key(args) ?? reports().refreshFailure;
        if (refused) return fail(refused);
        const r = reports();
        let unseen = r.list.unseen;
        const updated = r.list.reports.map((report) => {
          const answer = r.answers.get(report.id);
          if (report.state !== 'new') return report;
          if (!answer) return { ...report, checkedAt: reportFixtures.CHECKED_AT };
          unseen += 1;
          return {
            ...report,
            ...answer,
            checkedAt: reportFixtures.CHECKED_AT,
            outcomeSeen: false,
          };
        });
        r.answers.clear();
        r.list = { reports: updated, unseen };
        return copy(r.list);
      },
    ],
    [
      'mark_it_reports_seen',
      () => {
        const r = reports();
        const was = r.list.unseen;
        r.list = {
          reports: r.list.reports.map((x) => ({ ...x, outcomeSeen: x.state !== 'new' })),
          unseen: 0,
        };
        return was;
      },
    ],
  ];
}
