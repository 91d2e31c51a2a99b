/**
 * Realistic answers of the reports-to-IT commands, shared by the component tests
 * (`report-testing.ts`) and the Playwright mock (`e2e/mock-backend.ts`). Test code only: plain
 * data with type imports only.
 */
import type { ItReport, ItReportList } from '.';

/** 2026-03-02 04:00 UTC, as in `fixtures.ts`. */
const AT = 1_772_424_000;

/** When the mocks say a new report reached the desk. */
export const SENT_AT = AT + 3 * 3600;
/** When the mocks say the desk was last asked. */
export const CHECKED_AT = AT + 4 * 3600;

/** A hostile item: markup and a link, which the list must show as inert text. */
export const HOSTILE_ITEM = 'https://evil.example/<img src=x onerror=alert(1)>';

/**
 * One report of each state and kind, newest first: a confirmed check whose outcome is unseen, a
 * rejected threat (seen), a hostile link still waiting, a warning sign waiting, one with no item.
 * `allSeen`: the confirmed one was seen too.
 */
export function itReports(allSeen = false): ItReportList {
  const report = (r: Partial<ItReport> & Pick<ItReport, 'id' | 'kind'>): ItReport => ({
    item: null,
    sentAt: AT,
    state: 'new',
    resolvedAt: null,
    checkedAt: null,
    outcomeSeen: false,
    ...r,
  });
  return {
    reports: [
      report({
        id: 45,
        kind: 'check',
        item: '+85230010005',
        sentAt: AT + 2 * 3600,
        state: 'confirmed',
        resolvedAt: AT + 2 * 3600 + 1800,
        checkedAt: AT + 2 * 3600 + 1900,
      }),
      report({
        id: 44,
        kind: 'threat',
        item: 'dingtalk-refund.example',
        sentAt: AT + 3600,
        state: 'rejected',
        resolvedAt: AT + 3600 + 900,
        checkedAt: AT + 3600 + 1000,
        outcomeSeen: true,
      }),
      report({ id: 43, kind: 'check', item: HOSTILE_ITEM, sentAt: AT + 1800 }),
      report({ id: 42, kind: 'tripwire_remote_tool', item: 'AnyDesk', sentAt: AT + 600 }),
      report({ id: 41, kind: 'tripwire_code_guard', item: null, sentAt: AT }),
    ].map((r) => (allSeen && r.state !== 'new' ? { ...r, outcomeSeen: true } : r)),
    unseen: allSeen ? 0 : 1,
  };
}
