import { describe, expect, it } from 'vitest';
import { applyLanguage } from '../i18n';
import { DRILL_SCENARIOS } from '../ipc';
import { drillFixtures } from '../ipc/drill-testing';
import { formatDuration, outcomeText, scenarioText, secondsToReport, splitLure } from './words';

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

  it('cuts the message where its link and number are', () => {
    const link = 'https://x.example/a';
    expect(splitLure(`go to ${link} or call +852 3001 9999.`, link, '+852 3001 9999')).toEqual([
      { text: 'go to ', kind: 'text' },
      { text: link, kind: 'link' },
      { text: ' or call ', kind: 'text' },
      { text: '+852 3001 9999', kind: 'number' },
      { text: '.', kind: 'text' },
    ]);
    expect(splitLure(link, link, '+852 3001 9999')).toEqual([{ text: link, kind: 'link' }]);
    expect(splitLure('no link here', link, '')).toEqual([{ text: 'no link here', kind: 'text' }]);
  });
});
