/**
 * The Drills screen in the built console against the mock desk: axe in English and Arabic on the
 * screen, the new drill dialog and a drill's results; a drill made with the keyboard only; the
 * individual results never asked for by a role without the right; the Dashboard's reminder.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { openConsole, strings, unexpectedErrors, type Lang } from './mock-desk';

const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

async function axeViolations(page: Page): Promise<{ id: string; targets: string[] }[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_21_AA).analyze();
  return results.violations.map((v) => ({
    id: v.id,
    targets: v.nodes.map((n) => n.target.join(' ')),
  }));
}

for (const lang of ['en', 'ar'] as Lang[]) {
  const s = strings(lang);

  test(`the drills screen, the new drill dialog and the results have no axe violations (${lang})`, async ({
    page,
  }) => {
    const record = await openConsole(page, { lang }, '#/drills');
    await expect(page.getByRole('heading', { level: 1, name: s['drills.title'] })).toBeVisible();
    await expect(page.getByTestId('drill-reminder')).toBeVisible();
    await expect(page.getByRole('img', { name: s['drills.trendChart'] })).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('button', { name: s['drills.new'], exact: true }).click();
    const dialog = page.getByRole('dialog', { name: s['drills.new'] });
    const preview = dialog.getByRole('region', { name: s['drills.preview'] });
    await expect(preview.locator('[lang="ar"]')).toHaveAttribute('dir', 'rtl');
    await expect(preview.locator('[lang="zh-HK"]')).toContainText('釘釘客服');
    expect(await axeViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: s['drills.create'] }).click();
    await expect(dialog.getByLabel(s['drills.name']!, { exact: true })).toHaveAttribute(
      'aria-invalid',
      'true',
    );
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');

    await page
      .getByRole('button', { name: `${s['drills.results']}: Q4 code drill`, exact: true })
      .click();
    await expect(page.getByRole('heading', { level: 1, name: 'Q4 code drill' })).toBeFocused();
    await page.getByRole('button', { name: s['drills.showPeople'] }).click();
    await expect(page.getByText('Chan Tai Man')).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: s['drills.back'] }).click();
    await expect(
      page.getByRole('button', { name: `${s['drills.results']}: Q4 code drill`, exact: true }),
    ).toBeFocused();

    expect(unexpectedErrors(record)).toEqual([]);
    expect(record.cspViolations).toEqual([]);
  });
}

test('an admin makes a drill with the keyboard only', async ({ page }) => {
  const s = strings('en');
  const record = await openConsole(page, {}, '#/drills');
  const create = page.getByRole('button', { name: s['drills.new'], exact: true });
  await create.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: s['drills.new'] });
  // The dialog opens on its Close button; the form follows.
  await expect(dialog.getByRole('button', { name: s['common.close'] })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(dialog.getByLabel(s['drills.name']!, { exact: true })).toBeFocused();
  await page.keyboard.type('December drill');
  // To the scenarios, and the second one with an arrow key.
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('radio', { name: /Fake support asking for a code/ })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(dialog.getByRole('radio', { name: /Account freeze threat/ })).toBeChecked();
  await expect(dialog.locator('[lang="en"]')).toContainText('will be frozen');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status')).toHaveText(
    s['drills.created']!.replace('{name}', 'Q4 code drill'),
  );
  const post = record.requests.find((r) => r.method === 'POST' && r.path === '/drills');
  expect(post?.headers['x-verity-csrf']).toBe('csrf-e2e');
  expect(post?.body).toMatchObject({
    name: 'December drill',
    scenario: 'freeze_threat',
    number: '+85230000001',
    link: 'https://drill.acme.example/v',
    audience: { all: true },
    working_days: 10,
    act_hours: 72,
  });
  expect(unexpectedErrors(record)).toEqual([]);
});

test('an auditor sees the aggregates and never asks for individual results', async ({ page }) => {
  const s = strings('en');
  const record = await openConsole(page, { role: 'auditor' }, '#/drills');
  await page
    .getByRole('button', { name: `${s['drills.results']}: Q4 code drill`, exact: true })
    .click();
  await expect(page.getByRole('rowheader', { name: 'Finance' })).toBeVisible();
  await expect(page.getByRole('link', { name: s['drills.exportPdf'] })).toBeVisible();
  await expect(page.getByRole('heading', { name: s['drills.people'] })).toHaveCount(0);
  await expect(page.getByRole('button', { name: s['drills.cancel'] })).toHaveCount(0);
  expect(record.requests.some((r) => r.path.includes('/people'))).toBe(false);
  expect(unexpectedErrors(record)).toEqual([]);
});

test('the dashboard reminds of the next drill and leads to the Drills screen', async ({ page }) => {
  const s = strings('en');
  await openConsole(page, {}, '#/dashboard');
  const reminder = page.getByTestId('drill-reminder');
  await expect(reminder).toContainText('Security team');
  await reminder.getByRole('link', { name: s['drills.openDrills'] }).click();
  await expect(page.getByRole('heading', { level: 1, name: s['drills.title'] })).toBeFocused();
});
