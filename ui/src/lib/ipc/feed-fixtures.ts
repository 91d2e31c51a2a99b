/**
 * Realistic answers of the threat feed's commands, shared by the component tests
 * (`feed-testing.ts`) and the Playwright mock (`e2e/mock-backend.ts`). Test code only: plain data
 * with type imports only, so it can be loaded in Node and serialised into a page.
 */
import type { FeedConfig, FeedStatus, Freshness, ThreatItem, ThreatList } from '.';

/** 2026-03-02 04:00 UTC, as in `fixtures.ts`. */
export const NOW = 1_772_424_000;

/** One freshness of each state, worded by the UI. */
export const freshness = {
  notConfigured: (): Freshness => ({ state: 'not_configured' }),
  pending: (): Freshness => ({ state: 'pending' }),
  fresh: (age = 12 * 60): Freshness => ({
    state: 'fresh',
    version: 12,
    updated: NOW - age,
    age,
    expires: NOW + 6 * 86_400,
  }),
  failing: (): Freshness => ({
    state: 'failing',
    version: 12,
    updated: NOW - 5 * 3600,
    age: 5 * 3600,
    since: NOW - 4 * 3600,
    reason: 'network',
    failures: 3,
  }),
  stale: (): Freshness => ({
    state: 'stale',
    version: 12,
    updated: NOW - 9 * 86_400,
    age: 9 * 86_400,
    expired: NOW - 2 * 86_400,
    reason: 'bad_signature',
  }),
};

export function feedStatus(f: Freshness = freshness.fresh(), unread = 3): FeedStatus {
  return {
    freshness: f,
    syncing: null,
    nextSync: f.state === 'not_configured' ? null : NOW + 1800,
    unread,
    sample: f.state === 'not_configured' ? 12 : 0,
  };
}

export function feedConfig(locked = false): FeedConfig {
  return {
    url: locked ? 'https://feed.example.hk/verity/' : null,
    proxy: null,
    root: locked
      ? {
          version: 1,
          fingerprint:
            '3f1a 9c2e 77b0 4d18 a5e6 0c9b 2f47 81d3 6e05 b9a2 c4f8 1d70 93e6 5ab1 0f2c 8d44',
        }
      : null,
    anchor: locked ? 'provisioned' : null,
    pinned: locked,
    locked,
    lockedBy: locked ? 'provisioned' : null,
    provisioningPath: '/etc/verity/provisioning.json',
    provisioningError: null,
    alerts: true,
    quiet: false,
    reminders: true,
  };
}

function threat(id: number, value: string, read: boolean, daysAgo: number): ThreatItem {
  return {
    id,
    kind: value.startsWith('+') ? 'phone' : 'domain',
    value,
    category: value.startsWith('+') ? 'fake_support' : 'phishing',
    campaign: value.startsWith('+') ? 'Fake DingTalk hotline' : null,
    source: 'HK police',
    added: NOW - daysAgo * 86_400,
    version: 12,
    received: NOW - daysAgo * 86_400,
    read,
  };
}

/** Three unread threats and one read, newest first. */
export function threats(): ThreatList {
  return {
    items: [
      threat(4, '+85230010005', false, 0),
      threat(3, '+85230010004', false, 0),
      threat(2, 'dingtalk-refund.example', false, 1),
      threat(1, '+85230010001', true, 6),
    ],
    unread: 3,
  };
}
