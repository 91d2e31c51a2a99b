import { describe, expect, it } from 'vitest';
import { catalogues } from '../i18n/all';
import { buildQuiz, passes, PASS_PERCENT, QUESTION_IDS, shuffle } from './quiz';

/** A seeded generator (mulberry32), so shuffles are repeatable. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('the training quiz', () => {
  it('has at least ten questions, each with one right answer, worded in every language', () => {
    expect(QUESTION_IDS.length).toBeGreaterThanOrEqual(10);
    const quiz = buildQuiz(seeded(1));
    expect(quiz).toHaveLength(QUESTION_IDS.length);
    for (const q of quiz) {
      expect(q.options.filter((o) => o.correct)).toHaveLength(1);
      for (const lang of ['en', 'zh-HK', 'zh-CN', 'ar'] as const) {
        for (const key of [q.text, q.why, ...q.options.map((o) => o.key)]) {
          expect(catalogues[lang][key], `${key} in ${lang}`).toBeTruthy();
        }
      }
    }
  });

  it('shuffles the questions and their options', () => {
    const a = buildQuiz(seeded(1));
    const b = buildQuiz(seeded(2));
    expect(new Set(a.map((q) => q.id))).toEqual(new Set(QUESTION_IDS));
    expect(a.map((q) => q.id)).not.toEqual([...QUESTION_IDS]);
    expect(a.map((q) => q.id)).not.toEqual(b.map((q) => q.id));
    // The right answer is not always first.
    const positions = new Set(a.map((q) => q.options.findIndex((o) => o.correct)));
    expect(positions.size).toBeGreaterThan(1);
    // Same seed, same order.
    expect(buildQuiz(seeded(1))).toEqual(a);
  });

  it('shuffle keeps every item', () => {
    const items = [1, 2, 3, 4, 5, 6, 7];
    const out = shuffle(items, seeded(3));
    expect([...out].sort()).toEqual(items);
    expect(items).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('passes at 80% and not below', () => {
    expect(PASS_PERCENT).toBe(80);
    expect(passes(10, 12)).toBe(true); // 83%
    expect(passes(9, 12)).toBe(false); // 75%
    expect(passes(8, 10)).toBe(true);
    expect(passes(7, 10)).toBe(false);
    expect(passes(0, 0)).toBe(false);
    expect(passes(13, 12)).toBe(false);
  });
});
