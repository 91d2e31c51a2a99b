/**
 * Words for the scam drills (`locales/<lang>/drill_ui.json`): scenario names, outcomes, what the
 * employee did, the time to report. The lure's own words (sender, message, chat) come from Rust
 * already in the app's language and are never looked up here.
 */
import { formatNumber } from '../feed/words';
import { t } from '../i18n';
import type { DrillOutcomeKind, DrillScenario, DrillView, OutcomeHow } from '../ipc';

/** A scenario's name, e.g. "Fake support asking for a code". */
export const scenarioText = (s: DrillScenario): string => t(`drill.ui.scenario.${s}`);

/** What the employee did, as the reveal says it: "You reported it to IT." */
export const howText = (how: OutcomeHow): string => t(`drill.ui.how.${how}`);

/** What that means, by final outcome ("Exactly right…", "A real scammer could now…"). */
export const verdictText = (outcome: DrillOutcomeKind): string => t(`drill.ui.verdict.${outcome}`);

/** A drill's outcome in a word or two, for "Your drills" ("Reported", "Not answered yet"). */
export function outcomeText(drill: DrillView): string {
  return drill.outcome ? t(`drill.ui.outcome.${drill.outcome}`) : t('drill.ui.outcome.open');
}

/** Seconds from the lure's arrival to the report, when it was reported; null otherwise. */
export function secondsToReport(drill: DrillView): number | null {
  if (drill.outcome !== 'reported' || drill.actedAt === null) return null;
  return Math.max(0, drill.actedAt - drill.shownAt);
}

/** A span of seconds, short: "45 s", "12 min", "2 h 5 min", "3 d 4 h". */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const n = formatNumber;
  if (total < 60) return t('drill.ui.duration.seconds', { s: n(total) });
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return t('drill.ui.duration.minutes', { m: n(minutes) });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return t('drill.ui.duration.hours', { h: n(hours), m: n(minutes % 60) });
  return t('drill.ui.duration.days', { d: n(Math.floor(hours / 24)), h: n(hours % 24) });
}

/** A piece of a lure's message: text, its link, or its number. */
export type LurePart = { text: string; kind: 'text' | 'link' | 'number' };

/**
 * The lure's message cut where its link and its number appear, so that the link can be drawn as a
 * link inside the text (as the real message would show it) and the number kept left to right in
 * an Arabic sentence. A message without them is one part.
 */
export function splitLure(body: string, link: string, number: string): LurePart[] {
  const marks = [
    ...(link === '' ? [] : [{ value: link, kind: 'link' as const }]),
    ...(number === '' ? [] : [{ value: number, kind: 'number' as const }]),
  ];
  let parts: LurePart[] = [{ text: body, kind: 'text' }];
  for (const mark of marks) {
    parts = parts.flatMap((part) => {
      if (part.kind !== 'text' || !part.text.includes(mark.value)) return [part];
      const cut: LurePart[] = [];
      part.text.split(mark.value).forEach((text, i) => {
        if (i > 0) cut.push({ text: mark.value, kind: mark.kind });
        if (text !== '') cut.push({ text, kind: 'text' });
      });
      return cut;
    });
  }
  return parts;
}
