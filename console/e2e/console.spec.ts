import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { HOSTILE_SHOWN } from '../src/test-fixtures';
import { openConsole, strings, unexpectedErrors, type Lang } from './mock-desk';

const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

async function axeViolations(page: Page): Promise<{ id: string; targets: string[] }[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_21_AA).analyze();
  return results.violations.map((v) => ({
    id: v.id,
    targets: v.nodes.map((n) => n.target.join(' ')),
  }));
}

const SCREENS = [
  { hash: 'reports', nav: 'nav.reports', heading: 'reports.title', ready: 'reports.item' },
  { hash: 'feed', nav: 'nav.feed', heading: 'feed.title', ready: 'feed.pending' },
  { hash: 'devices', nav: 'nav.devices', heading: 'devices.title', ready: 'devices.hostname' },
  { hash: 'codes', nav: 'nav.codes', heading: 'codes.title', ready: 'codes.expires' },
  { hash: 'agents', nav: 'nav.agents', heading: 'agents.title', ready: 'agents.capacity' },
  { hash: 'policy', nav: 'nav.policy', heading: 'policy.title', ready: 'policy.updated' },
  { hash: 'drills', nav: 'nav.drills', heading: 'drills.title', ready: 'drills.reportRate' },
  {
    hash: 'dashboard',
    nav: 'nav.dashboard',
    heading: 'dashboard.title',
    ready: 'dashboard.admins',
  },
  { hash: 'oplog', nav: 'nav.oplog', heading: 'oplog.title', ready: 'oplog.entryOk' },
  { hash: 'account', nav: 'nav.account', heading: 'account.title', ready: 'account.passkeys' },
] as const;

for (const lang of ['en', 'ar'] as Lang[]) {
  const s = strings(lang);
  const dir = lang === 'ar' ? 'rtl' : 'ltr';

  test(`sign-in and first-time setup have no axe violations (${lang})`, async ({ page }) => {
    const record = await openConsole(page, { role: null, lang });
    await expect(page.getByRole('heading', { level: 1, name: s['signin.title'] })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('dir', dir);
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('button', { name: s['signin.firstTime'] }).click();
    await expect(page.getByRole('heading', { level: 1, name: s['setup.title'] })).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel(s['signin.name']!, { exact: true }).fill('alice');
    await page.getByLabel(s['setup.code']!).fill('ABCD-1234');
    await page.getByLabel(s['setup.passphrase']!).fill('a long passphrase');
    await page.getByLabel(s['setup.passphrase2']!).fill('a long passphrase');
    await page.getByRole('button', { name: s['setup.next'] }).click();
    await expect(page.getByRole('img', { name: s['setup.qr'] })).toBeVisible();
    await expect(page.getByText('JBSWY3DPEHPK3PXP')).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel(s['setup.confirm']!).fill('123456');
    await page.getByRole('button', { name: s['setup.finish'] }).click();
    await expect(page.getByRole('heading', { level: 1, name: s['reports.title'] })).toBeVisible();

    expect(unexpectedErrors(record, [401])).toEqual([]);
    expect(record.cspViolations).toEqual([]);
  });

  test(`every screen renders with no axe violations (${lang})`, async ({ page }) => {
    // Ten screens, each with an axe run: more than the default budget on a loaded machine.
    test.slow();
    // Start elsewhere, so that the first click is a navigation too.
    const record = await openConsole(page, { lang }, '#/account');
    await expect(page.locator('html')).toHaveAttribute('dir', dir);
    const nav = page.getByRole('navigation', { name: s['nav.label'] });
    for (const screen of SCREENS) {
      await nav.getByRole('link', { name: s[screen.nav], exact: true }).click();
      await expect(page).toHaveURL(new RegExp(`#/${screen.hash}$`));
      const heading = page.getByRole('heading', { level: 1, name: s[screen.heading] });
      await expect(heading).toBeFocused();
      await expect(page.getByText(s[screen.ready]!, { exact: true }).first()).toBeVisible();
      expect(await axeViolations(page), screen.hash).toEqual([]);
    }
    expect(unexpectedErrors(record)).toEqual([]);
    expect(record.cspViolations).toEqual([]);
  });

  test(`drawers and dialogs have no axe violations (${lang})`, async ({ page }) => {
    // Many dialogs, each with an axe run: 20 s is too tight on a loaded machine (load 12 on 2 cores).
    test.slow();
    const record = await openConsole(page, { lang }, '#/reports');
    await page
      .getByRole('button', { name: s['reports.open']!.replace('{item}', '+85255550101') })
      .click();
    const drawer = page.getByRole('dialog', { name: s['reports.detail'] });
    await expect(drawer.getByText('Chan Tai Man')).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
    await drawer.getByRole('button', { name: s['common.close'] }).click();

    // A link line: the scope choice; an appeal: its meaning.
    await page
      .getByRole('button', {
        name: s['reports.open']!.replace('{item}', 'https://bank.example/login'),
      })
      .click();
    await expect(drawer.getByText(s['reports.appealExplain']!)).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
    await drawer.getByRole('button', { name: s['common.close'] }).click();

    await page.goto('./#/devices');
    await page
      .getByRole('button', {
        name: s['devices.open']!.replace('{id}', 'CTM-LAPTOP — Chan Tai Man'),
      })
      .click();
    await page.getByRole('button', { name: s['devices.revoke'] }).click();
    const confirm = page.getByRole('dialog', { name: s['devices.revoke'] });
    await expect(confirm.getByLabel(s['devices.revokeReason']!)).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');

    await page.goto('./#/codes');
    await page.getByRole('button', { name: s['codes.issue'] }).click();
    const issue = page.getByRole('dialog', { name: s['codes.issue'] });
    await issue.getByLabel(s['codes.employee']!).fill('E3003');
    await issue.getByLabel(s['codes.name']!).fill('Lam Mei Ling');
    expect(await axeViolations(page)).toEqual([]);
    await issue.getByRole('button', { name: s['codes.issue'] }).click();
    await expect(page.getByText('K7QF-2M9X-PL4D', { exact: true })).toBeVisible();
    await expect(page.getByRole('img', { name: s['codes.cardQr'] })).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);

    // The appeal's allowlist name, with the field's error shown.
    await page.goto('./#/reports');
    await page
      .getByRole('button', {
        name: s['reports.open']!.replace('{item}', 'https://bank.example/login'),
      })
      .click();
    await expect(drawer.getByText(s['reports.upholdNoFeed']!)).toBeVisible();
    await drawer.getByRole('button', { name: s['reports.uphold'] }).click();
    await expect(drawer.getByLabel(s['reports.label']!)).toHaveAttribute('aria-invalid', 'true');
    expect(await axeViolations(page)).toEqual([]);
    await drawer.getByRole('button', { name: s['common.close'] }).click();

    await page.goto('./#/agents');
    await page.getByRole('button', { name: s['agents.issue'] }).click();
    const agent = page.getByRole('dialog', { name: s['agents.issue'] });
    await agent.getByRole('button', { name: s['agents.issue'] }).click();
    await expect(agent.getByLabel(s['agents.name']!)).toHaveAttribute('aria-invalid', 'true');
    expect(await axeViolations(page)).toEqual([]);
    await agent.getByLabel(s['agents.name']!).fill('Lau Ka Wai');
    await agent.getByLabel(s['agents.languages']!).fill('zh-HK, en');
    await agent.getByRole('button', { name: s['agents.issue'] }).click();
    await expect(page.getByText('R2TX-8HNB-QW5C', { exact: true })).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: s['codes.done'] }).click();
    await page.getByRole('button', { name: `${s['agents.revoke']!}: Wong Siu Ming` }).click();
    await expect(
      page.getByRole('dialog', { name: s['agents.revoke'] }).getByLabel(s['devices.revokeReason']!),
    ).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');

    await page.goto('./#/policy');
    await page.getByRole('button', { name: s['policy.remove'] }).click();
    await expect(page.getByRole('dialog', { name: s['policy.remove'] })).toContainText(
      s['policy.removeConfirm']!,
    );
    expect(await axeViolations(page)).toEqual([]);

    expect(unexpectedErrors(record)).toEqual([]);
    expect(record.cspViolations).toEqual([]);
  });
}

test('signs in with passphrase and code, sending JSON to the desk', async ({ page }) => {
  const record = await openConsole(page, { role: null });
  await page.getByLabel('Name', { exact: true }).fill('alice');
  await page.getByLabel('Passphrase').fill('correct horse battery');
  await page.getByLabel('6-digit code from your authenticator app').fill('123456');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Reports' })).toBeVisible();
  const signin = record.requests.find((r) => r.path === '/signin');
  expect(signin?.body).toEqual({
    name: 'alice',
    passphrase: 'correct horse battery',
    totp: '123456',
  });
  expect(unexpectedErrors(record, [401])).toEqual([]);
});

test('shows the lockout with its retry time', async ({ page }) => {
  const record = await openConsole(page, {
    role: null,
    answers: {
      'POST /signin': {
        status: 429,
        body: { code: 'locked', message: 'locked', retry_after: 900 },
      },
    },
  });
  await page.getByLabel('Name', { exact: true }).fill('alice');
  await page.getByLabel('Passphrase').fill('wrong');
  await page.getByLabel('6-digit code from your authenticator app').fill('000000');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('in about 15 min');
  expect(unexpectedErrors(record, [401, 429])).toEqual([]);
});

test('triage: a hostile item stays text, confirm sends the CSRF header', async ({ page }) => {
  const record = await openConsole(page, {}, '#/reports');
  await expect(page.getByText(HOSTILE_SHOWN)).toBeVisible();
  expect(await page.locator('main img, main table a').count()).toBe(0);
  expect(await page.evaluate(() => 'pwned' in window)).toBe(false);

  await page.getByRole('button', { name: 'Open report of +85255550101' }).click();
  const drawer = page.getByRole('dialog', { name: 'Reported item' });
  await expect(drawer.getByLabel('Category').locator('option')).toHaveText([
    'Fake technical support',
    'Fake upgrade or update',
    'Threat to freeze an account',
    'Phishing',
    'Other',
  ]);
  await drawer.getByLabel('Category').selectOption('freeze_threat');
  await drawer
    .getByLabel('Why you confirm it (required, up to 500 characters)')
    .fill('bank impersonation');
  await drawer.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Confirmed.' })).toBeVisible();
  const confirm = record.requests.find((r) => r.path === '/reports/11/confirm');
  expect(confirm?.headers['x-verity-csrf']).toBe('csrf-e2e');
  expect(confirm?.body).toEqual({ category: 'freeze_threat', reason: 'bank impersonation' });
  expect(record.cspViolations).toEqual([]);
});

test('is usable from the keyboard: skip link, then the navigation', async ({ page }) => {
  await openConsole(page, {}, '#/reports');
  await expect(page.getByRole('heading', { level: 1, name: 'Reports' })).toBeVisible();
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to main content' });
  await expect(skip).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Reports', exact: true })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Feed', exact: true })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Feed' })).toBeFocused();
});

test('runs under the desk CSP: an inline style is refused', async ({ page }) => {
  const record = await openConsole(page, {}, '#/dashboard');
  await expect(page.getByRole('img', { name: /Devices by feed freshness/ })).toBeVisible();
  await expect(page.getByRole('img', { name: /checklist complete, by team/ })).toBeVisible();
  expect(record.cspViolations).toEqual([]);
  await page.evaluate(() => {
    const probe = document.createElement('div');
    probe.setAttribute('style', 'color: red');
    document.body.append(probe);
  });
  await expect.poll(() => record.cspViolations).toContainEqual(expect.stringMatching(/^style-src/));
});

test('every screen has no axe violations in dark mode', async ({ page }) => {
  test.slow(); // ten screens, each with an axe run
  await page.emulateMedia({ colorScheme: 'dark' });
  const s = strings('en');
  const record = await openConsole(page, {}, '#/account');
  const nav = page.getByRole('navigation', { name: s['nav.label'] });
  for (const screen of SCREENS) {
    await nav.getByRole('link', { name: s[screen.nav], exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: s[screen.heading] })).toBeFocused();
    await expect(page.getByText(s[screen.ready]!, { exact: true }).first()).toBeVisible();
    expect(await axeViolations(page), screen.hash).toEqual([]);
  }
  expect(unexpectedErrors(record)).toEqual([]);
});

for (const lang of ['zh-HK', 'zh-CN'] as Lang[]) {
  test(`shows every screen in ${lang}`, async ({ page }) => {
    const s = strings(lang);
    const record = await openConsole(page, { lang }, '#/account');
    await expect(page.locator('html')).toHaveAttribute('lang', lang);
    const nav = page.getByRole('navigation', { name: s['nav.label'] });
    for (const screen of SCREENS) {
      await nav.getByRole('link', { name: s[screen.nav], exact: true }).click();
      await expect(page.getByRole('heading', { level: 1, name: s[screen.heading] })).toBeFocused();
    }
    expect(await axeViolations(page)).toEqual([]);
    expect(unexpectedErrors(record)).toEqual([]);
  });
}
