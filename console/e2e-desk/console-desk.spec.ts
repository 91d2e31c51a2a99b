/**
 * The console end to end against a real desk (issue 14's acceptance path): an admin sets up the
 * account with the setup code and TOTP, adds a passkey (Chromium's virtual authenticator over
 * CDP), signs in with it; issues an enrolment code; a device (`verityctl`) enrols with it and
 * reports a number; the admin confirms the report and publishes the feed from the console; the
 * device syncs and finds the number listed. axe in English and Arabic on the real pages;
 * screenshots to docs/screenshots/.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { strings } from '../e2e/mock-desk';
import { run, runStatus, startDesk, totp, type Desk } from './desk';

const s = strings('en');
const ar = strings('ar');
const SHOTS = join(import.meta.dirname, '../../docs/screenshots');
const PASSPHRASE = 'a long console passphrase';
const NUMBER = '+85230019999';

async function virtualAuthenticator(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
}

async function noAxeViolations(page: Page): Promise<void> {
  const r = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  expect(
    r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
  ).toEqual([]);
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `console-${name}.png`), fullPage: true });
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

test('an admin sets up, uses a passkey, and a reported number reaches devices through the feed', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('console', (m) => {
    // The console asks `GET /me` before sign-in, and the desk answers 401: Chromium logs that
    // network answer as an error line, which is not a script error.
    const signedOut = /status of 401/.test(m.text());
    if (m.type() === 'error' && !signedOut) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await virtualAuthenticator(page);
  await page.goto(`${desk.url}/console/`);
  await expect(page.getByRole('heading', { level: 1, name: s['signin.title'] })).toBeVisible();
  await noAxeViolations(page);
  await shot(page, 'signin');

  // First-time setup with the code `verity-desk admin add` printed, and TOTP.
  await page.getByRole('button', { name: s['signin.firstTime'] }).click();
  await page.getByLabel(s['signin.name']!, { exact: true }).fill('alice');
  await page.getByLabel(s['setup.code']!).fill(desk.setupCode);
  await page.getByLabel(s['setup.passphrase']!).fill(PASSPHRASE);
  await page.getByLabel(s['setup.passphrase2']!).fill(PASSPHRASE);
  await page.getByRole('button', { name: s['setup.next'] }).click();
  await expect(page.getByRole('img', { name: s['setup.qr'] })).toBeVisible();
  const secret = (await page.locator('code.secret').textContent())!.trim();
  await page.getByLabel(s['setup.confirm']!).fill(totp(secret));
  await page.getByRole('button', { name: s['setup.finish'] }).click();
  await expect(page.getByRole('navigation', { name: s['nav.label'] })).toBeVisible();

  // A passkey for the account, then sign out and back in with it.
  await nav(page, 'nav.account').click();
  await page.getByLabel(s['account.label']!).fill('Virtual key');
  await page.getByRole('button', { name: s['account.add'] }).click();
  await expect(page.getByText(s['account.added']!)).toBeVisible();
  await page.getByRole('button', { name: s['account.signOut'] }).click();
  await page.getByRole('button', { name: s['signin.passkey'] }).click();
  await expect(page.getByRole('navigation', { name: s['nav.label'] })).toBeVisible();

  // An enrolment code, and a device enrolled with it by verityctl.
  await nav(page, 'nav.codes').click();
  await page.getByRole('button', { name: s['codes.issue'] }).click();
  const issue = page.getByRole('dialog', { name: s['codes.issue'] });
  await issue.getByLabel(s['codes.employee']!).fill('E100');
  const name = s['codes.name'];
  if (name) await issue.getByLabel(name).fill('Chan Tai Man');
  await issue.getByRole('button', { name: s['codes.issue'] }).click();
  const card = page.getByRole('article', { name: s['codes.card'] ?? 'Verity enrolment' });
  await expect(card).toBeVisible();
  const code = (await card
    .getByText(/^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/)
    .textContent())!.trim();
  await shot(page, 'code-card');
  await card.getByRole('button', { name: s['codes.done'] ?? 'Done' }).click();

  const pass = join(desk.dir, 'device-passphrase');
  writeFileSync(pass, 'correct horse battery staple\n');
  const dev = ['--data-dir', desk.device];
  run('verityctl', [
    'device',
    'enroll',
    ...dev,
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
  run('verityctl', [
    'report',
    ...dev,
    '--kind',
    'check',
    '--item',
    NUMBER,
    '--verdict',
    'unknown',
    '--note',
    'Called me as DingTalk support about a refund',
    '--key-store',
    'file',
    '--passphrase-file',
    pass,
  ]);

  // The report in the triage queue; confirmed into the feed.
  await nav(page, 'nav.reports').click();
  const open = page.getByRole('button', { name: s['reports.open']!.replace('{item}', NUMBER) });
  await expect(open).toBeVisible();
  await noAxeViolations(page);
  await shot(page, 'reports');
  await open.click();
  const drawer = page.getByRole('dialog', { name: s['reports.detail'] });
  await expect(drawer.getByText('Called me as DingTalk support about a refund')).toBeVisible();
  await drawer.getByLabel(s['reports.category']!).selectOption('fake_support');
  await drawer.getByLabel(s['reports.confirmReason']!).fill('Number from a search ad');
  await drawer.getByRole('button', { name: s['reports.confirm'], exact: true }).click();
  await expect(page.getByText(s['reports.confirmed']!)).toBeVisible();

  // Published from the console with the keys the desk holds.
  await nav(page, 'nav.feed').click();
  await expect(page.getByText(NUMBER)).toBeVisible();
  await page.getByRole('button', { name: s['feed.publish'] }).click();
  await page
    .getByRole('dialog', { name: s['feed.publish'] })
    .getByRole('button', { name: s['feed.publish'] })
    .click();
  await expect(page.getByRole('status').filter({ hasText: /2/ })).toBeVisible();
  await shot(page, 'feed');

  // The device syncs the organisation's feed and finds the number listed.
  run('verityctl', ['sync', ...dev]);
  const checked = runStatus('verityctl', ['check', ...dev, '--json', NUMBER]);
  expect(checked.status, checked.out).toBe(1);
  const verdict = JSON.parse(checked.out.slice(checked.out.indexOf('['))) as {
    verdict: string;
    matches: unknown[];
  }[];
  expect(verdict[0]!.verdict).toBe('scam');
  expect(JSON.stringify(verdict[0]!.matches)).toContain('report #');

  // The other screens, for the record, and axe in Arabic on the real pages.
  for (const screen of ['dashboard', 'devices', 'oplog']) {
    await nav(page, `nav.${screen}`).click();
    await expect(page.getByRole('heading', { level: 1, name: s[`${screen}.title`] })).toBeVisible();
    await shot(page, screen);
  }
  await page.getByLabel(s['app.language']!).selectOption('ar');
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await page
    .getByRole('navigation', { name: ar['nav.label'] })
    .getByRole('link', { name: ar['nav.reports'], exact: true })
    .click();
  await expect(page.getByRole('heading', { level: 1, name: ar['reports.title'] })).toBeVisible();
  await noAxeViolations(page);
  await shot(page, 'reports-ar');
  await page
    .getByRole('navigation', { name: ar['nav.label'] })
    .getByRole('link', { name: ar['nav.dashboard'], exact: true })
    .click();
  await noAxeViolations(page);
  expect(errors).toEqual([]);
});
