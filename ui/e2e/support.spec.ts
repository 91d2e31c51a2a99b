import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import * as fixtures from '../src/lib/ipc/fixtures';
import { defaultOptions, mockRecord, openApp } from './mock-backend';

const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

async function axeViolations(page: Page): Promise<{ id: string; targets: string[] }[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_21_AA).analyze();
  return results.violations.map((v) => ({
    id: v.id,
    targets: v.nodes.map((n) => n.target.join(' ')),
  }));
}

const HEADLINE = {
  en: 'Real support is only inside DingTalk',
  ar: 'الدعم الحقيقي موجود داخل DingTalk فقط',
} as const;

const LINK = 'How to reach real DingTalk support';

for (const language of ['en', 'ar'] as const) {
  test(`the Support screen draws the official path and passes axe in ${language}`, async ({
    page,
  }) => {
    await openApp(page, 'support', defaultOptions({ language }));
    const rtl = language === 'ar';
    await expect(page.locator('html')).toHaveAttribute('dir', rtl ? 'rtl' : 'ltr');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(HEADLINE[language]);
    const steps = page.getByTestId('support-path').locator('ol > li');
    await expect(steps).toHaveCount(3);
    await expect(page.getByTestId('support-path').getByRole('img')).toHaveCount(3);
    await expect(page.getByTestId('support-never').locator('li')).toHaveCount(4);
    await expect(page.getByTestId('support-session')).toBeVisible();
    await expect(page.getByTestId('support-session').getByRole('button')).toHaveCount(0);

    // The path reads in the UI's direction: step 1 at the start (left in English, right in Arabic),
    // and the arrows point from each step to the next.
    const first = await steps.nth(0).boundingBox();
    const last = await steps.nth(2).boundingBox();
    if (!first || !last) throw new Error('the steps are not laid out');
    expect(first.y).toBe(last.y);
    if (rtl) expect(first.x).toBeGreaterThan(last.x);
    else expect(first.x).toBeLessThan(last.x);
    const arrows = page.getByTestId('support-path').locator('.arrow');
    await expect(arrows).toHaveCount(2);
    const transform = await arrows.first().evaluate((el) => getComputedStyle(el).transform);
    expect(transform).toBe(rtl ? 'matrix(-1, 0, 0, 1, 0, 0)' : 'none');
    const arrow = await arrows.first().boundingBox();
    const second = await steps.nth(1).boundingBox();
    if (!arrow || !second) throw new Error('the arrow is not laid out');
    // The first arrow sits between step 1 and step 2.
    const [lo, hi] = rtl ? [second.x, first.x + first.width] : [first.x, second.x + second.width];
    expect(arrow.x).toBeGreaterThan(lo);
    expect(arrow.x + arrow.width).toBeLessThan(hi);

    // The drawings' labels stay inside their phones, and the drawings line up with each other.
    const outside = await page
      .getByTestId('support-path')
      .locator('svg.phone')
      .evaluateAll((phones) =>
        phones.flatMap((phone) => {
          const box = phone.getBoundingClientRect();
          return [...phone.querySelectorAll('text')]
            .filter((text) => {
              const r = text.getBoundingClientRect();
              return r.left < box.left || r.right > box.right;
            })
            .map((text) => text.textContent ?? '');
        }),
      );
    expect(outside).toEqual([]);
    const tops = await page
      .getByTestId('support-path')
      .locator('svg.phone')
      .evaluateAll((phones) => phones.map((p) => Math.round(p.getBoundingClientRect().top)));
    expect(new Set(tops).size).toBe(1);

    expect(await axeViolations(page)).toEqual([]);
    expect((await mockRecord(page)).cspViolations).toEqual([]);
  });
}

test('a scam verdict, the threats list and the official-path step lead to Support, keyboard first', async ({
  page,
}) => {
  const headline = page.getByRole('heading', { level: 1, name: HEADLINE.en });

  await openApp(page, 'check');
  await page.getByRole('textbox').fill(fixtures.scamPhone().input);
  await page.locator('button[type="submit"]').click();
  await page.getByRole('link', { name: LINK }).focus();
  await page.keyboard.press('Enter');
  await expect(headline).toBeFocused();
  await expect(page).toHaveURL(/#\/support$/);

  await page.goto('/#/threats');
  await page.getByRole('link', { name: LINK }).focus();
  await page.keyboard.press('Enter');
  await expect(headline).toBeFocused();
  await expect(page).toHaveURL(/#\/support$/);

  await page.goto('/#/checklist');
  await page.getByTestId('open-announce_official_path').click();
  await page.getByRole('link', { name: LINK }).click();
  await expect(headline).toBeFocused();
  await expect(page).toHaveURL(/#\/support$/);
  expect((await mockRecord(page)).cspViolations).toEqual([]);
});

test.describe('the Support screen in dark mode', () => {
  test.use({ colorScheme: 'dark' });
  for (const language of ['en', 'ar'] as const) {
    test(`has no WCAG 2.1 AA violations in ${language}`, async ({ page }) => {
      await openApp(page, 'support', defaultOptions({ language }));
      await expect(page.getByTestId('support-path').getByRole('img')).toHaveCount(3);
      expect(await axeViolations(page)).toEqual([]);
    });
  }
  test('the Threats screen keeps its support link readable', async ({ page }) => {
    await openApp(page, 'threats');
    await expect(page.getByRole('table')).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
  });
});
