import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { defaultOptions, mockRecord, openApp } from './mock-backend';

const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

async function axeViolations(page: Page): Promise<{ id: string; targets: string[] }[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_21_AA).analyze();
  return results.violations.map((v) => ({
    id: v.id,
    targets: v.nodes.map((n) => n.target.join(' ')),
  }));
}

const FLOWS = [
  'remove_unofficial_numbers',
  'announce_official_path',
  'alerts_on',
  'drill_owner',
  'training',
] as const;

for (const language of ['en', 'ar'] as const) {
  test(`the checklist and every step's flow pass axe in ${language}`, async ({ page }) => {
    await openApp(page, 'checklist', defaultOptions({ language }));
    await expect(page.locator('html')).toHaveAttribute('dir', language === 'ar' ? 'rtl' : 'ltr');
    await expect(page.getByTestId('checklist-progress')).toBeVisible();
    await expect(page.locator('li[data-step]')).toHaveCount(5);
    expect(await axeViolations(page)).toEqual([]);
    for (const step of FLOWS) {
      await page.getByTestId(`open-${step}`).click();
      await expect(page.getByTestId('step-back')).toBeVisible();
      expect(await axeViolations(page), step).toEqual([]);
      await page.getByTestId('step-back').click();
      await expect(page.getByTestId(`open-${step}`)).toBeFocused();
    }
    // The quiz, one question in.
    await page.getByTestId('open-training').click();
    for (let i = 0; i < 4; i += 1) await page.getByTestId('training-next').click();
    await page.getByTestId('quiz-start').click();
    await page.locator('input[data-correct="true"]').check();
    await page.getByTestId('quiz-answer').click();
    await expect(page.getByTestId('quiz-verdict')).toBeVisible();
    expect(await axeViolations(page), 'quiz').toEqual([]);
    expect((await mockRecord(page)).cspViolations).toEqual([]);
  });
}

test('the checklist is usable from the keyboard and records each step', async ({ page }) => {
  await openApp(page, 'checklist');
  await page.getByTestId('open-announce_official_path').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('ack-official-path').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByText('Acknowledged. Step 2 is done.')).toBeVisible();
  await page.getByTestId('step-back').click();
  await expect(page.getByTestId('checklist-progress')).toHaveText('1 of 5 steps done');
  await page.getByTestId('export-html').click();
  await expect(page.getByTestId('export-head')).toHaveText('0'.repeat(64));
  const calls = (await mockRecord(page)).calls.map((c) => c.cmd);
  expect(calls).toContain('acknowledge_official_path');
  expect(calls).toContain('export_report');
});

test('Home shows checklist progress and the next drill', async ({ page }) => {
  await openApp(page, 'home');
  await expect(page.getByTestId('home-checklist-progress')).toHaveText('0 of 5 steps done');
  await expect(page.getByTestId('home-next-drill')).toHaveText('No drill scheduled yet.');
});
