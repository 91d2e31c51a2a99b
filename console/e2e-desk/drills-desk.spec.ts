/**
 * Drills against a REAL desk (issue 15, the console's part): an admin sets up the account, enrols
 * one employee device (verityctl) in a team, adds a reserved drill number and link, makes a drill
 * from the console, sees it listed and opens its results (with the individual results, which the
 * desk logs); `verity-desk drill list --json` sees the same drill. axe in English and Arabic.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { strings } from '../e2e/mock-desk';
import { run, startDesk, totp, type Desk } from './desk';

const s = strings('en');
const ar = strings('ar');
const PASSPHRASE = 'a long console passphrase';
const DRILL_NUMBER = '+85230000077';
const DRILL_LINK = 'https://drill.acme.example/verify';

async function noAxeViolations(page: Page): Promise<void> {
  const r = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  expect(
    r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
  ).toEqual([]);
}

function nav(page: Page, key: string) {
  return page
    .getByRole('navigation', { name: s['nav.label'] })
    .getByRole('link', { name: s[key], exact: true });
}

let desk: Desk;
test.beforeAll(async () => {
  desk = await startDesk();
});
test.afterAll(() => desk?.stop());

test('an admin reserves a number and a link, makes a drill, and sees it listed', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('console', (m) => {
    const signedOut = /status of 401/.test(m.text());
    if (m.type() === 'error' && !signedOut) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${desk.url}/console/`);

  // First-time setup with TOTP.
  await page.getByRole('button', { name: s['signin.firstTime'] }).click();
  await page.getByLabel(s['signin.name']!, { exact: true }).fill('alice');
  await page.getByLabel(s['setup.code']!).fill(desk.setupCode);
  await page.getByLabel(s['setup.passphrase']!).fill(PASSPHRASE);
  await page.getByLabel(s['setup.passphrase2']!).fill(PASSPHRASE);
  await page.getByRole('button', { name: s['setup.next'] }).click();
  const secret = (await page.locator('code.secret').textContent())!.trim();
  await page.getByLabel(s['setup.confirm']!).fill(totp(secret));
  await page.getByRole('button', { name: s['setup.finish'] }).click();
  await expect(page.getByRole('navigation', { name: s['nav.label'] })).toBeVisible();

  // One employee device, so that the drill has an audience.
  await nav(page, 'nav.codes').click();
  await page.getByRole('button', { name: s['codes.issue'] }).click();
  const issue = page.getByRole('dialog', { name: s['codes.issue'] });
  await issue.getByLabel(s['codes.employee']!).fill('E100');
  await issue.getByLabel(s['codes.name']!).fill('Chan Tai Man');
  await issue.getByRole('button', { name: s['codes.issue'] }).click();
  const card = page.getByRole('article', { name: s['codes.cardTitle'] });
  const code = (await card
    .getByText(/^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/)
    .textContent())!.trim();
  await card.getByRole('button', { name: s['codes.done'] }).click();
  const pass = join(desk.dir, 'device-passphrase');
  writeFileSync(pass, 'correct horse battery staple\n');
  run('verityctl', [
    'device',
    'enroll',
    '--data-dir',
    desk.device,
    '--desk',
    desk.url,
    '--code',
    code,
    '--fingerprint',
    desk.fingerprint,
    '--key-store',
    'file',
    '--passphrase-file',
    pass,
  ]);

  // The reserved list: a number, then a link.
  await nav(page, 'nav.drills').click();
  await expect(page.getByRole('heading', { level: 1, name: s['drills.title'] })).toBeVisible();
  await expect(page.getByText(s['drills.reservedEmpty']!)).toBeVisible();
  await page.getByLabel(s['drills.value']!).fill(DRILL_NUMBER);
  await page.getByLabel(s['drills.label']!).fill('Drill line');
  await page.getByRole('button', { name: s['drills.reservedAddButton'], exact: true }).click();
  await expect(page.getByRole('cell', { name: DRILL_NUMBER, exact: true })).toBeVisible();
  await page.getByRole('radio', { name: s['reservedKind.link'] }).check();
  await page.getByLabel(s['drills.value']!).fill(DRILL_LINK);
  await page.getByLabel(s['drills.label']!).fill('Drill site');
  await page.getByRole('button', { name: s['drills.reservedAddButton'], exact: true }).click();
  await expect(page.getByRole('cell', { name: DRILL_LINK, exact: true })).toBeVisible();

  // A drill for everyone, from the next working day.
  await page.getByRole('button', { name: s['drills.new'], exact: true }).click();
  const dialog = page.getByRole('dialog', { name: s['drills.new'] });
  await dialog.getByLabel(s['drills.name']!, { exact: true }).fill('First code drill');
  // The desk renders the preview with the first reserved number.
  await expect(dialog.getByRole('region', { name: s['drills.preview'] })).toContainText(
    '3000 0077',
  );
  await expect(dialog.getByLabel(s['drills.number']!)).toHaveValue(DRILL_NUMBER);
  await expect(dialog.getByLabel(s['drills.link']!)).toHaveValue(DRILL_LINK);
  await noAxeViolations(page);
  await dialog.getByRole('button', { name: s['drills.create'] }).click();
  await expect(page.getByRole('status')).toHaveText(
    s['drills.created']!.replace('{name}', 'First code drill'),
  );
  const row = page.getByRole('row').filter({ hasText: 'First code drill' });
  await expect(row).toContainText(s['drillState.scheduled']!);
  await expect(row.getByRole('cell').nth(4)).toHaveText('1');
  await noAxeViolations(page);

  // Its results: one employee, nothing delivered yet; the individual line for the admin.
  await row.getByRole('button', { name: `${s['drills.results']}: First code drill` }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'First code drill' })).toBeVisible();
  await page.getByRole('button', { name: s['drills.showPeople'] }).click();
  await expect(page.getByRole('cell', { name: /Chan Tai Man/ })).toBeVisible();
  await noAxeViolations(page);

  const listed = JSON.parse(
    run('verity-desk', ['drill', 'list', '--json', '--data', join(desk.dir, 'desk')]),
  ) as { name: string; number: string; link: string }[];
  expect(listed.map((d) => [d.name, d.number, d.link])).toEqual([
    ['First code drill', DRILL_NUMBER, DRILL_LINK],
  ]);

  // Arabic, right to left, on the real answers.
  await page.getByLabel(s['app.language']!).selectOption('ar');
  await page.getByRole('button', { name: ar['drills.back'] }).click();
  await expect(page.getByRole('heading', { level: 1, name: ar['drills.title'] })).toBeVisible();
  await noAxeViolations(page);
  expect(errors).toEqual([]);
});
