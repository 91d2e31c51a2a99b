/**
 * Words for the feed's state, computed in Rust (`Freshness`) and worded here in the current
 * language: ages with `Intl.RelativeTimeFormat`, counts with `Intl.PluralRules` over the counted
 * key families of `locales/<lang>/feed.json` (`base.one`, `base.two`, `base.few`, `base.many`,
 * `base.other`).
 */
import { currentLanguage, lookup, type Params } from '../i18n';
import type { FeedProgress, Freshness } from '../ipc';

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;

/** A count as the current language writes it. */
export function formatNumber(n: number): string {
  return new Intl.NumberFormat(currentLanguage()).format(n);
}

/** The counted key family `base` for `n`, e.g. `threats.unread` → "3 unread". */
export function plural(base: string, n: number, params: Params = {}): string {
  const category = new Intl.PluralRules(currentLanguage()).select(n);
  const all = { count: formatNumber(n), ...params };
  return lookup(`${base}.${category}`, all) ?? lookup(`${base}.other`, all) ?? base;
}

/** A signed span of seconds as the current language says it: "12 minutes ago", "in 2 hours". */
export function relative(seconds: number): string {
  const rtf = new Intl.RelativeTimeFormat(currentLanguage(), { numeric: 'auto' });
  const abs = Math.abs(seconds);
  const sign = seconds < 0 ? -1 : 1;
  if (abs < MINUTE) return rtf.format(0, 'second');
  if (abs < HOUR) return rtf.format(sign * Math.floor(abs / MINUTE), 'minute');
  if (abs < 2 * DAY) return rtf.format(sign * Math.floor(abs / HOUR), 'hour');
  return rtf.format(sign * Math.floor(abs / DAY), 'day');
}

/** An age in seconds as "12 minutes ago". */
export const ago = (seconds: number): string => relative(-Math.max(0, seconds));

/** A moment (Unix seconds) with date and time, as the current language writes it. */
export function formatDateTime(seconds: number): string {
  return new Intl.DateTimeFormat(currentLanguage(), {
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(new Date(seconds * 1000));
}

/** Why a sync failed, from the feed's closed set of codes. */
export function reasonText(code: string): string {
  return lookup(`feed.reason.${code}`) ?? lookup('feed.reason.unknown') ?? code;
}

/** How alarming a freshness is, for its colour and icon (never told by colour alone). */
export type Tone = 'ok' | 'info' | 'warn' | 'bad';

export function toneOf(f: Freshness): Tone {
  switch (f.state) {
    case 'fresh':
      return 'ok';
    case 'pending':
    case 'not_configured':
      return 'info';
    case 'failing':
      return 'warn';
    case 'stale':
      return 'bad';
  }
}

const text = (key: string, params?: Params): string => lookup(key, params) ?? key;

/**
 * What Home says: the headline, then the details. `sample` counts the bundled sample entries
 * still on the list.
 */
export function freshnessLines(
  f: Freshness,
  sample: number,
): { headline: string; details: string[] } {
  switch (f.state) {
    case 'not_configured':
      return {
        headline: text(
          sample > 0 ? 'feed.state.not_configured.sample' : 'feed.state.not_configured',
        ),
        details: [text('feed.state.not_configured.hint')],
      };
    case 'pending':
      return { headline: text('feed.state.pending'), details: [] };
    case 'fresh':
      return {
        headline: text('feed.state.fresh', { version: formatNumber(f.version), age: ago(f.age) }),
        details: [],
      };
    case 'failing':
      return {
        headline: text('feed.state.failing', {
          since: formatDateTime(f.since),
          reason: reasonText(f.reason),
        }),
        details: [
          f.version !== null && f.age !== null
            ? text('feed.state.failing.kept', { version: formatNumber(f.version), age: ago(f.age) })
            : text('feed.state.failing.none'),
        ],
      };
    case 'stale':
      return {
        headline: text('feed.state.stale', {
          version: formatNumber(f.version),
          age: ago(f.age),
          expired: formatDateTime(f.expired),
        }),
        details: [
          ...(f.reason ? [text('feed.state.stale.reason', { reason: reasonText(f.reason) })] : []),
          text('feed.state.stale.hint'),
        ],
      };
  }
}

/** The line under every verdict: which list the check used, and how fresh it is. */
export function verdictLine(f: Freshness): string {
  switch (f.state) {
    case 'not_configured':
      return text('feed.verdict.not_configured');
    case 'pending':
      return text('feed.verdict.pending');
    case 'fresh':
      return text('feed.verdict.fresh', { version: formatNumber(f.version), age: ago(f.age) });
    case 'failing':
      return f.version !== null && f.age !== null
        ? text('feed.verdict.failing', { version: formatNumber(f.version), age: ago(f.age) })
        : text('feed.verdict.failing.none');
    case 'stale':
      return text('feed.verdict.stale', { version: formatNumber(f.version), age: ago(f.age) });
  }
}

/** A size in bytes as the current language writes it (kB or MB). */
export function formatBytes(bytes: number): string {
  const mb = bytes >= 1_000_000;
  return new Intl.NumberFormat(currentLanguage(), {
    style: 'unit',
    unit: mb ? 'megabyte' : 'kilobyte',
    maximumFractionDigits: 1,
  }).format(mb ? bytes / 1_000_000 : bytes / 1000);
}

/** What a running sync is doing. */
export function progressText(p: FeedProgress): string {
  switch (p.stage) {
    case 'metadata':
      return text('feed.progress.metadata');
    case 'download': {
      const file = text(p.file === 'delta' ? 'feed.file.delta' : 'feed.file.snapshot');
      return p.total === null
        ? text('feed.progress.download.unknown', { file, bytes: formatBytes(p.bytes) })
        : text('feed.progress.download', {
            file,
            bytes: formatBytes(p.bytes),
            total: formatBytes(p.total),
          });
    }
    case 'apply':
      return text('feed.progress.apply');
    case 'index':
      return text('feed.progress.index');
    case 'done':
      return text('feed.progress.done');
  }
}
