/**
 * The checklist's strings: `locales/<lang>/checklist_ui.json` (the screens) and
 * `locales/<lang>/checklist.json` (step titles, statuses, evidence words shared with the CLI's
 * report). Keys are typed from the English files.
 */
import type screenStrings from '../../../../locales/en/checklist_ui.json';
import type sharedStrings from '../../../../locales/en/checklist.json';
import { lookup, type Params } from '../i18n';
import type { ErrorReason } from '../ipc';

export type ChecklistKey = keyof typeof screenStrings | keyof typeof sharedStrings;

/** The string for `key` in the current language (the key itself when missing everywhere). */
export function ct(key: ChecklistKey, params?: Params): string {
  return lookup(key, params) ?? key;
}

/** A Unix time (seconds) as a `YYYY-MM-DD` date, UTC, as the report shows it. */
export function isoDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

/** The words for a checklist or scanner failure's `reason`, when there are some. */
export function reasonText(reason: ErrorReason | null): string | null {
  if (!reason || reason === 'unknown') return null;
  for (const prefix of ['checklist.evidence_error.', 'checklist.error.', 'scan.error.']) {
    const text = lookup(prefix + reason);
    if (text) return text;
  }
  return null;
}
