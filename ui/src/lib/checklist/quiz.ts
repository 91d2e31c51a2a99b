/**
 * The training quiz (step 5): at least ten questions, each with one right answer and two wrong
 * ones, asked in a shuffled order with shuffled options. The wording lives in
 * `locales/<lang>/checklist_ui.json` under `cl.quiz.q<N>.{text,a,b,c,why}`; option `a` is the
 * right one in the files and lands anywhere on screen.
 */
import type { ChecklistKey } from './text';

/** The questions, by number. */
export const QUESTION_IDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] as const;

/** The pass mark, in percent (the backend's `PASS_PERCENT`, repeated for offline scoring). */
export const PASS_PERCENT = 80;

export type Option = { key: ChecklistKey; correct: boolean };
export type Question = { id: number; text: ChecklistKey; why: ChecklistKey; options: Option[] };

/** A random integer in [0, n). */
export type Random = () => number;

/** A Fisher–Yates shuffle of a copy of `items`. */
export function shuffle<T>(items: readonly T[], random: Random = Math.random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    const a = out[i] as T;
    out[i] = out[j] as T;
    out[j] = a;
  }
  return out;
}

function key(id: number, part: string): ChecklistKey {
  return `cl.quiz.q${id}.${part}` as ChecklistKey;
}

/** Every question with its options, questions and options shuffled. */
export function buildQuiz(random: Random = Math.random): Question[] {
  return shuffle(QUESTION_IDS, random).map((id) => ({
    id,
    text: key(id, 'text'),
    why: key(id, 'why'),
    options: shuffle(
      (['a', 'b', 'c'] as const).map((part) => ({ key: key(id, part), correct: part === 'a' })),
      random,
    ),
  }));
}

/** Whether `score` of `total` reaches the pass mark. */
export function passes(score: number, total: number, passPercent = PASS_PERCENT): boolean {
  return total > 0 && score <= total && score * 100 >= total * passPercent;
}
