import { describe, expect, it } from 'vitest';
import { applyLanguage } from '../i18n';
import { DRILL_SCENARIOS } from '../ipc';
import { drillFixtures } from '../ipc/drill-testing';
import { formatDuration, outcomeText, scenarioText, secondsToReport, splitAtLink } from './words';

describe('drill words', () => {
  it('names every scenario in every language', () => {
    for (const language of ['en', 'zh-HK', 'zh-CN', 'ar'] as const) {
      applyLanguage(language);
      const names = DRILL_SCENARIOS.map(scenarioText);
      expect(new Set(names).size).toBe(DRILL_SCENARIOS.length);
      for (const name of names) expect(name).not.toMatch(/^drill\.ui\./);
    }
    applyLanguage('en');
    expect(scenarioText('freeze_threat')).toBe('Account freeze threat');
  });

  it('words durations short', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(240)).toBe('4 min');
    expect(formatDuration(2 * 3600 + 5 * 60 + 9)).toBe('2 h 5 min');
    expect(formatDuration(3 * 86_400 + 4 * 3600)).toBe('3 d 4 h');
  });

  it('has a time to report only for a reported drill', () => {
    const { decided, notificationDrill, SHOWN } = drillFixtures;
    expect(secondsToReport(decided(notificationDrill(), 'check', SHOWN + 90))).toBe(90);
    expect(secondsToReport(decided(notificationDrill(), 'opened_link', SHOWN + 90))).toBeNull();
    expect(secondsToReport(notificationDrill())).toBeNull();
    expect(outcomeText(notificationDrill())).toBe('Not answered yet');
  });

  it('cuts the message where its link is', () => {
    expect(splitAtLink('go to https://x.example/a now', 'https://x.example/a')).toEqual([
      { text: 'go to ', link: false },
      { text: 'https://x.example/a', link: true },
      { text: ' now', link: false },
    ]);
    expect(splitAtLink('https://x.example/a', 'https://x.example/a')).toEqual([
      { text: 'https://x.example/a', link: true },
    ]);
    expect(splitAtLink('no link here', 'https://x.example/a')).toEqual([
      { text: 'no link here', link: false },
    ]);
  });
});
