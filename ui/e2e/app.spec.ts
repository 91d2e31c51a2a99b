import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import * as fixtures from '../src/lib/ipc/fixtures';
import { defaultOptions, mockRecord, openApp } from './mock-backend';

const SCREENS = [
  { screen: 'home', label: 'Home', heading: 'Home' },
  { screen: 'check', label: 'Check', heading: 'Check' },
  { screen: 'threats', label: 'Threats', heading: 'Threats' },
  { screen: 'support', label: 'Support', heading: 'Real support is only inside DingTalk' },
  { screen: 'device', label: 'Device', heading: 'Device' },
  { screen: 'checklist', label: 'Checklist', heading: 'Security checklist' },
  { screen: 'settings', label: 'Settings', heading: 'Settings' },
] as const;

const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

async function axeViolations(page: Page): Promise<{ id: string; targets: string[] }[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_21_AA).analyze();
  return results.violations.map((v) => ({
    id: v.id,
    targets: v.nodes.map((n) => n.target.join(' ')),
  }));
}

/** Waits until the screen shows backend data, so axe sees the real content. */
async function settled(page: Page, screen: string): Promise<void> {
  if (screen === 'home') await expect(page.locator('dd bdi').first()).toBeVisible();
  if (screen === 'settings') await expect(page.getByRole('switch').first()).toBeVisible();
  if (screen === 'device') await expect(page.locator('form').first()).toBeVisible();
}

/** Pastes `input` into the Check screen and checks it, in whatever language the UI is in. */
async function runCheck(page: Page, input: string): Promise<void> {
  await page.getByRole('textbox').fill(input);
  await page.locator('button[type="submit"]').click();
  await expect(page.getByRole('status').locator('.banner')).toBeVisible();
}

test('every screen is reachable from the sidebar', async ({ page }) => {
  await openApp(page);
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const { screen, label, heading } of SCREENS) {
    await nav.getByRole('link', { name: label, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
    await expect(page).toHaveURL(new RegExp(`#/${screen}$`));
    await expect(nav.getByRole('link', { name: label, exact: true })).toHaveAttribute(
      'aria-current',
      'page',
    );
    await expect(page.locator('[aria-current]')).toHaveCount(1);
  }
});

test('runs under the production CSP without a violation', async ({ page }) => {
  await openApp(page);
  for (const { label } of SCREENS)
    await page.getByRole('link', { name: label, exact: true }).click();
  expect((await mockRecord(page)).cspViolations).toEqual([]);

  // The policy really is enforced: an inline style attribute is refused and recorded.
  await page.evaluate(() => {
    const probe = document.createElement('div');
    probe.setAttribute('style', 'color: red');
    document.body.append(probe);
  });
  await expect
    .poll(async () => (await mockRecord(page)).cspViolations)
    .toContainEqual(expect.stringMatching(/^style-src/));
});

test('is usable from the keyboard', async ({ page }) => {
  await openApp(page);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to main content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('main')).toBeFocused();

  await page.getByRole('link', { name: 'Skip to main content' }).focus();
  for (const { label } of SCREENS) {
    await page.keyboard.press('Tab');
    await expect(page.getByRole('link', { name: label, exact: true })).toBeFocused();
  }
  await page.keyboard.press('Enter');
  const heading = page.getByRole('heading', { level: 1, name: 'Settings' });
  await expect(heading).toBeFocused();

  await page.keyboard.press('Tab');
  await expect(page.getByRole('combobox', { name: 'Language' })).toBeFocused();
  await page.keyboard.press('Tab');
  const toggle = page.getByRole('switch', { name: 'Start Verity when you sign in' });
  await expect(toggle).toBeFocused();
  await page.keyboard.press('Space');
  await expect(toggle).toBeChecked();
  expect((await mockRecord(page)).settings.startAtLogin).toBe(true);
});

test('Home shows the backend state and sends a test alert', async ({ page }) => {
  await openApp(page);
  const dataDir = page.getByText(defaultOptions().status.dataDir);
  await expect(dataDir).toBeVisible();
  await expect(dataDir).toHaveAttribute('dir', 'ltr');
  await page.getByRole('button', { name: 'Send a test alert' }).click();
  await expect(page.getByRole('region', { name: 'Desktop alerts' }).getByRole('status')).toHaveText(
    /Test alert sent/,
  );
  const { calls } = await mockRecord(page);
  expect(calls.map((c) => c.cmd)).toContain('send_test_notification');
});

test('Home shows the blocklist and labels sample data', async ({ page }) => {
  await openApp(page);
  const card = page.getByRole('region', { name: 'Blocklist' });
  await expect(card.getByText('Entries', { exact: true })).toBeVisible();
  await expect(card.locator('dd bdi').first()).toHaveText('12');
  await expect(card).toContainText('Sample data: until your organisation');
});

test('Check answers a number, a link and a message from the keyboard', async ({ page }) => {
  await openApp(page, 'check');
  const box = page.getByRole('textbox', { name: 'Paste a phone number, link or message' });
  const submit = page.getByRole('button', { name: 'Check', exact: true });
  await expect(submit).toBeDisabled();

  // A listed number, as "Phone number", submitted with Ctrl+Enter.
  await box.fill(fixtures.scamPhone().input);
  await page.keyboard.press('Tab');
  await expect(page.getByRole('radio', { name: 'Detect automatically' })).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('radio', { name: 'Phone number' })).toBeChecked();
  await box.focus();
  await page.keyboard.press('Control+Enter');
  const status = page.getByRole('status');
  await expect(status.getByRole('heading', { level: 2 })).toHaveText('Scam');
  await expect(status.locator('.banner')).toHaveClass(/verdict-scam/);
  await expect(status.locator('bdi[dir="ltr"]')).toHaveText('+85223456789');
  await expect(page.getByRole('region', { name: 'What to do' })).toContainText(
    'Hang up and do not call back.',
  );
  await expect(page.getByRole('region', { name: 'Matching blocklist entries' })).toContainText(
    'Fake customer service',
  );

  // An unknown number reads as "no record", never as safe.
  await box.fill('3111 2222');
  await submit.click();
  await expect(status.getByRole('heading', { level: 2 })).toHaveText(
    'No record — not a guarantee of safety',
  );

  // A message, detected automatically, with its items.
  await page.getByRole('radio', { name: 'Detect automatically' }).check();
  await box.fill(fixtures.MESSAGE);
  await submit.click();
  await expect(status.getByText('Numbers and links found: 2')).toBeVisible();
  const items = page.getByRole('region', { name: 'In this message' }).locator('li.item');
  await expect(items).toHaveCount(2);
  await expect(items.nth(1).locator('.badge')).toHaveText('Suspicious');

  await page.getByRole('button', { name: 'Clear', exact: true }).click();
  await expect(box).toHaveValue('');
  await expect(box).toBeFocused();

  const record = await mockRecord(page);
  expect(record.calls.filter((c) => c.cmd === 'check').map((c) => c.args)).toEqual([
    { input: fixtures.scamPhone().input, kind: 'phone', remember: true },
    { input: '3111 2222', kind: 'phone', remember: true },
    { input: fixtures.MESSAGE, kind: null, remember: true },
  ]);
  expect(record.cspViolations).toEqual([]);
});

test('Check words a backend failure by its code', async ({ page }) => {
  await openApp(page, 'check', {
    ...defaultOptions(),
    failures: { check: { code: 'store_busy', message: 'database is locked' } },
  });
  await page.getByRole('textbox').fill('2345 6789');
  await page.keyboard.press('Control+Enter');
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('The check could not be completed.');
  await expect(alert).toContainText("Verity's database is busy.");
});

test('Home words a backend failure by its code', async ({ page }) => {
  await openApp(page, 'home', {
    ...defaultOptions(),
    failures: { app_status: { code: 'store', message: 'database disk image is malformed' } },
  });
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('Verity could not read or write its database.');
  await expect(alert).toContainText('database disk image is malformed');
  expect(await axeViolations(page)).toEqual([]);
});

test('switching to Arabic lays the window out right to left', async ({ page }) => {
  await openApp(page, 'settings');
  const html = page.locator('html');
  await expect(html).toHaveAttribute('dir', 'ltr');

  await page.getByRole('combobox', { name: 'Language' }).selectOption('ar');
  await expect(html).toHaveAttribute('dir', 'rtl');
  await expect(html).toHaveAttribute('lang', 'ar');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('الإعدادات');
  await expect(page.getByRole('combobox', { name: 'اللغة' })).toHaveValue('ar');

  // The sidebar moves to the right-hand side.
  const sidebar = await page.getByRole('banner').boundingBox();
  const main = await page.getByRole('main').boundingBox();
  expect(sidebar && main && sidebar.x > main.x).toBe(true);

  const record = await mockRecord(page);
  expect(record.calls).toContainEqual({ cmd: 'set_language', args: { language: 'ar' } });
  expect(record.cspViolations).toEqual([]);
});

test("the app's first frame is already in the user's language, its catalogue fetched on its own", async ({
  page,
}) => {
  // Record the first heading the page ever shows, and the scripts it fetches.
  await page.addInitScript(() => {
    const seen = window as unknown as { __FIRST_H1__?: string; __FIRST_DIR__?: string };
    new MutationObserver((_, observer) => {
      const h1 = document.querySelector('h1');
      if (h1?.textContent) {
        seen.__FIRST_H1__ = h1.textContent;
        seen.__FIRST_DIR__ = document.documentElement.dir;
        observer.disconnect();
      }
    }).observe(document, { childList: true, subtree: true, characterData: true });
  });
  const scripts: string[] = [];
  page.on('request', (r) => {
    if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
  });
  await openApp(page, 'settings', defaultOptions({ language: 'ar' }));
  const first = await page.evaluate(() => {
    const seen = window as unknown as { __FIRST_H1__?: string; __FIRST_DIR__?: string };
    return [seen.__FIRST_H1__, seen.__FIRST_DIR__];
  });
  expect(first).toEqual(['الإعدادات', 'rtl']);
  // Arabic's strings came in a chunk of their own; no other language's were fetched.
  expect(scripts.some((s) => /\/ar-[\w-]+\.js$/.test(s))).toBe(true);
  expect(scripts.some((s) => /\/zh-(HK|CN)-[\w-]+\.js$/.test(s))).toBe(false);
});

for (const language of ['en', 'ar'] as const) {
  test.describe(`accessibility in ${language}`, () => {
    for (const { screen } of SCREENS) {
      test(`${screen} has no WCAG 2.1 AA violations`, async ({ page }) => {
        await openApp(page, screen, defaultOptions({ language }));
        await expect(page.locator('html')).toHaveAttribute('lang', language);
        await settled(page, screen);
        expect(await axeViolations(page)).toEqual([]);
      });
    }
  });
}

for (const language of ['en', 'ar'] as const) {
  test.describe(`accessibility of check results in ${language}`, () => {
    for (const outcome of [fixtures.scamPhone(), fixtures.scamMessage()]) {
      test(`a ${outcome.kind} result has no WCAG 2.1 AA violations`, async ({ page }) => {
        await openApp(page, 'check', defaultOptions({ language }));
        await expect(page.locator('html')).toHaveAttribute('lang', language);
        await runCheck(page, outcome.input);
        expect(await axeViolations(page)).toEqual([]);
      });
    }
  });
}

for (const language of ['en', 'ar'] as const) {
  test(`a shortcut taken before Verity started is explained without WCAG violations in ${language}`, async ({
    page,
  }) => {
    await openApp(page, 'settings', {
      ...defaultOptions({ language }),
      shortcutRefused: 'CmdOrCtrl+Alt+K',
    });
    const input = page.locator('#check-shortcut');
    await expect(page.locator('#check-shortcut-idle [role="alert"]')).toBeVisible();
    await expect(input).toHaveAttribute('aria-invalid', 'true');
    await settled(page, 'settings');
    expect(await axeViolations(page)).toEqual([]);
  });
}

test.describe('accessibility in dark mode', () => {
  test.use({ colorScheme: 'dark' });
  for (const screen of ['home', 'settings'] as const) {
    test(`${screen} has no WCAG 2.1 AA violations`, async ({ page }) => {
      await openApp(page, screen);
      await settled(page, screen);
      expect(await axeViolations(page)).toEqual([]);
    });
  }
});

for (const colorScheme of ['light', 'dark'] as const) {
  test.describe(`every verdict in ${colorScheme} mode`, () => {
    test.use({ colorScheme });
    test('has no WCAG 2.1 AA violations', async ({ page }) => {
      const all = [...fixtures.allVerdicts(), fixtures.scamMessage()];
      await openApp(page, 'check', {
        ...defaultOptions(),
        outcomes: Object.fromEntries(all.map((o) => [o.input, o])),
      });
      for (const outcome of all) {
        await runCheck(page, outcome.input);
        await expect(page.getByRole('status').locator('.banner')).toHaveClass(
          new RegExp(`verdict-${outcome.verdict}`),
        );
        expect(await axeViolations(page), `${outcome.kind} ${outcome.verdict}`).toEqual([]);
      }
    });
  });
}

for (const language of ['en', 'ar'] as const) {
  const words = {
    en: {
      title: 'Recent checks',
      clear: 'Clear history',
      cancel: 'Cancel',
      confirm: 'Delete history',
      empty: /No recent checks yet/,
    },
    ar: {
      title: 'عمليات التحقق الأخيرة',
      clear: 'مسح السجل',
      cancel: 'إلغاء',
      confirm: 'حذف السجل',
      empty: /لا توجد عمليات تحقق حديثة/,
    },
  }[language];

  test(`recent checks in ${language}: listed, checked again, cleared after confirming, no axe violations`, async ({
    page,
  }) => {
    await openApp(page, 'check', defaultOptions({ language }));
    const history = page.getByRole('region', { name: words.title });
    await expect(history.getByText(words.empty)).toBeVisible();
    expect(await axeViolations(page), 'empty').toEqual([]);

    await runCheck(page, fixtures.scamPhone().input);
    await runCheck(page, fixtures.suspiciousLink().input);
    const rows = history.locator('li');
    await expect(rows).toHaveCount(2);
    await expect(rows.nth(0).locator('[data-history-verdict="suspicious"]')).toContainText(
      'http://dingtalk-support.xyz/login',
    );
    await expect(rows.nth(1).locator('[data-history-verdict="scam"]')).toContainText(
      '+85223456789',
    );
    await expect(rows.nth(1).locator('svg[data-verdict="scam"]')).toBeVisible();
    expect(await axeViolations(page), 'listed').toEqual([]);

    // A row is a button: Enter on it checks the number again.
    await rows.nth(1).getByRole('button').focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('textbox')).toHaveValue('+85223456789');
    await expect(page.getByRole('status').locator('.banner')).toBeVisible();

    // Clear, behind a confirmation; the keyboard reaches every step.
    await history.getByRole('button', { name: words.clear }).click();
    await expect(history.getByRole('button', { name: words.cancel })).toBeFocused();
    expect(await axeViolations(page), 'confirming').toEqual([]);
    await page.keyboard.press('Escape');
    await expect(history.getByRole('button', { name: words.clear })).toBeFocused();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Shift+Tab');
    await expect(history.getByRole('button', { name: words.confirm })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(history.getByText(words.empty)).toBeVisible();
    await expect(history.getByRole('heading', { name: words.title })).toBeFocused();
    const record = await mockRecord(page);
    expect(record.calls.filter((c) => c.cmd === 'clear_check_history')).toHaveLength(1);
    expect(await axeViolations(page), 'cleared').toEqual([]);
  });
}
