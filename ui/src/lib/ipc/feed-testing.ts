/**
 * The threat feed's part of the fake backend for component tests (see `testing.ts`). Test code
 * only. `mockFeed()` holds editable answers; `feedHandlers()` answers the feed's commands from
 * them; `emitFeedChanged()` and friends play the backend's events.
 */
import { emit } from '@tauri-apps/api/event';
import type { FeedConfig, FeedProgress, FeedStatus, PickedRoot, ThreatList, TrustLogItem } from '.';
import * as feedFixtures from './feed-fixtures';

export { feedFixtures };

export type FeedBackend = {
  status: FeedStatus;
  config: FeedConfig;
  threats: ThreatList;
  /** What `sync_now` answers (the status after the sync). */
  afterSync: FeedStatus;
  /** What the Open dialog gives `pick_feed_root` (null: cancelled). */
  picked: PickedRoot | null;
  /** The trust log. */
  trustLog: TrustLogItem[];
};

export function mockFeed(): FeedBackend {
  return {
    status: feedFixtures.feedStatus(),
    config: feedFixtures.feedConfig(),
    threats: feedFixtures.threats(),
    afterSync: feedFixtures.feedStatus(feedFixtures.freshness.fresh(5), 3),
    picked: {
      json: '{"signed":{"_type":"root","version":2}}',
      root: { version: 2, fingerprint: 'eeee ffff 0000 1111' },
    },
    trustLog: [],
  };
}

type FeedHandler = (args: Record<string, unknown>) => unknown;

/** Handlers for the feed's commands, reading and updating `feed()`. */
export function feedHandlers(feed: () => FeedBackend): [string, FeedHandler][] {
  const withConfig = (change: Partial<FeedConfig>): FeedConfig => {
    const f = feed();
    f.config = { ...f.config, ...change };
    return f.config;
  };
  return [
    ['feed_status', () => feed().status],
    [
      'sync_now',
      () => {
        const f = feed();
        f.status = f.afterSync;
        return f.status;
      },
    ],
    ['feed_config', () => feed().config],
    [
      'set_feed_source',
      (args) => withConfig({ url: String(args.url) || null, proxy: String(args.proxy) || null }),
    ],
    [
      'preview_feed_root',
      (args) =>
        String(args.json).includes('"version":2')
          ? { version: 2, fingerprint: 'eeee ffff 0000 1111' }
          : { version: 1, fingerprint: 'aaaa bbbb cccc dddd' },
    ],
    [
      'set_feed_root',
      (args) => {
        const version = String(args.json).includes('"version":2') ? 2 : 1;
        const fingerprint = String(args.fingerprint);
        feed().trustLog.unshift({
          at: 1_764_000_000,
          what: 'feed_root',
          anchor: 'manual',
          url: null,
          fingerprint,
        });
        return withConfig({ root: { version, fingerprint }, anchor: 'manual' });
      },
    ],
    ['pick_feed_root', () => feed().picked],
    ['feed_trust_log', () => feed().trustLog],
    [
      'set_feed_alerts',
      (args) => withConfig({ alerts: Boolean(args.alerts), quiet: Boolean(args.quiet) }),
    ],
    ['set_checklist_reminders', (args) => withConfig({ reminders: Boolean(args.enabled) })],
    ['list_threats', () => feed().threats],
    [
      'mark_threats_read',
      (args) => {
        const f = feed();
        const upTo = typeof args.upTo === 'number' ? args.upTo : Infinity;
        const items = f.threats.items.map((t) => (t.id <= upTo ? { ...t, read: true } : t));
        const unread = items.filter((t) => !t.read).length;
        f.threats = { items, unread };
        f.status = { ...f.status, unread };
        return unread;
      },
    ],
  ];
}

export async function emitFeedChanged(status: FeedStatus): Promise<void> {
  await emit('feed-changed', status);
}

export async function emitFeedProgress(progress: FeedProgress): Promise<void> {
  await emit('feed-progress', progress);
}

export async function emitOpenThreats(): Promise<void> {
  await emit('open-threats', null);
}
