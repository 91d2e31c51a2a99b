/**
 * Words for the codes a check returns. They live in `locales/<lang>/check.json` (`verdict.*`,
 * `reason.*`, …), looked up at run time from the backend's codes; a code no language words yet is
 * shown as itself rather than hidden.
 */
import { currentLanguage, lookup } from '../i18n';
import type { AdviceCode, Category, CheckKind, EntryKind, ReasonCode, Verdict } from '../ipc';

const word = (key: string, code: string): string => lookup(key) ?? code;

export const verdictText = (verdict: Verdict): string => word(`verdict.${verdict}`, verdict);
export const kindText = (kind: CheckKind): string => word(`kind.${kind}`, kind);
export const reasonText = (code: ReasonCode): string => word(`reason.${code}`, code);
export const adviceText = (code: AdviceCode): string => word(`advice.${code}`, code);
export const categoryText = (category: Category): string => word(`category.${category}`, category);
export const entryKindText = (kind: EntryKind): string => word(`entry_kind.${kind}`, kind);

/** Verdicts that call for action: the banner and the advice are styled as a warning. */
export const isRisky = (verdict: Verdict): boolean =>
  verdict === 'scam' || verdict === 'suspicious';

/**
 * The direction to isolate a piece of evidence in: numbers, links and Latin or Chinese cues read
 * left to right even in the Arabic UI; a cue quoted from an Arabic message finds its own.
 */
export function evidenceDir(text: string): 'ltr' | 'auto' {
  return /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/.test(text) ? 'auto' : 'ltr';
}

/** A date (Unix seconds) as the current language writes it, e.g. "2 Mar 2026". */
export function formatDate(seconds: number): string {
  return new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'medium' }).format(
    new Date(seconds * 1000),
  );
}

/** The same date as a machine-readable `YYYY-MM-DD` for `<time datetime>`, in local time. */
export function isoDate(seconds: number): string {
  const d = new Date(seconds * 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A count as the current language writes it. */
export function formatCount(n: number): string {
  return new Intl.NumberFormat(currentLanguage()).format(n);
}
