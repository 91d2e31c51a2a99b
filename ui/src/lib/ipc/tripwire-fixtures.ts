/**
 * Realistic tripwire answers shared by the component tests (`tripwire-testing.ts`) and the
 * Playwright mock (`e2e/mock-backend.ts`). Test code only: plain data with type imports only.
 */
import type { TripwireEvent, TripwireStatus } from '.';

/** 2026-03-02 04:00 UTC (as `fixtures.ADDED`): the same day from UTC−4 to UTC+14. */
const AT = 1_772_424_000;

/** The state of a fresh install: remote-access warning on, code guard off and not yet offered. */
export function tripwireStatus(change: Partial<TripwireStatus> = {}): TripwireStatus {
  return {
    remote: true,
    codeGuard: false,
    codeGuardOffered: false,
    locked: false,
    toolsInUse: [],
    recent: 3,
    downloads: '/home/ada/Downloads',
    ...change,
  };
}

/** One event of each kind, newest first; the oldest was sent to IT. */
export function tripwireEvents(): TripwireEvent[] {
  return [
    { id: 3, at: AT + 2 * 3600, kind: 'code', tool: null, reportedAt: null },
    { id: 2, at: AT + 3600, kind: 'remote_tool', tool: 'AnyDesk', reportedAt: null },
    { id: 1, at: AT, kind: 'installer', tool: 'AnyDesk', reportedAt: AT + 600 },
  ];
}

/** When the mocks say a report was sent (ten minutes after the newest event). */
export const REPORTED_AT = AT + 2 * 3600 + 600;
