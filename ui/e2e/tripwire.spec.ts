import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import * as tripwireFixtures from '../src/lib/ipc/tripwire-fixtures';
import type { Language } from '../src/lib/ipc';
import { defaultOptions, emitEvent, mockRecord, openApp } from './mock-backend';

const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

async function axeViolations(page: Page): Promise<{ id: string; targets: string[] }[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_21_AA).analyze();
  return results.violations.map((v) => ({
    id: v.id,
    targets: v.nodes.map((n) => n.target.join(' ')),
  }));
}

/** A few of each language's words, to see that the screens really are in that language. */
const WORDS = {
  en: { dir: 'ltr', count: '3 warning signs in the last 30 days.', event: 'AnyDesk was running' },
  'zh-HK': { dir: 'ltr', count: '過去 30 日有 3 個詐騙警號。', event: 'AnyDesk 曾在執行' },
  'zh-CN': { dir: 'ltr', count: '过去 30 天有 3 条诈骗警报。', event: 'AnyDesk 曾在运行' },
  ar: { dir: 'rtl', count: '3 إنذارات خلال آخر 30 يومًا.', event: 'كان AnyDesk قيد التشغيل' },
} as const satisfies Record<Language, unknown>;

for (const [language, words] of Object.entries(WORDS) as [Language, (typeof WORDS)['en']][]) {
  test.describe(`the warning signs in ${language}`, () => {
    test('Home shows the count and the code reminder offer, without WCAG violations', async ({
      page,
    }) => {
      await openApp(page, 'home', defaultOptions({ language }));
      await expect(page.locator('html')).toHaveAttribute('dir', words.dir);
      await expect(page.getByTestId('tripwire-home')).toContainText(words.count);
      await expect(page.getByTestId('code-guard-offer').getByRole('button')).toHaveCount(2);
      await expect(page.locator('dd bdi').first()).toBeVisible();
      expect(await axeViolations(page)).toEqual([]);
    });

    test('Settings shows both switches and the Downloads folder, without WCAG violations', async ({
      page,
    }) => {
      await openApp(page, 'settings', defaultOptions({ language }));
      const remote = page.locator('#tripwire-remote');
      await expect(remote).toBeChecked();
      await expect(page.locator('#tripwire-code')).not.toBeChecked();
      await expect(page.getByTestId('tripwire-downloads').locator('bdi')).toHaveAttribute(
        'dir',
        'ltr',
      );
      expect(await axeViolations(page)).toEqual([]);
    });

    test('Threats lists the warning signs, without WCAG violations', async ({ page }) => {
      await openApp(page, 'threats', defaultOptions({ language }));
      const section = page.getByTestId('tripwire-events');
      await expect(section.locator('li')).toHaveCount(3);
      await expect(section.locator('li').nth(1)).toContainText(words.event);
      await expect(page.getByRole('table')).toBeVisible();
      expect(await axeViolations(page)).toEqual([]);
    });
  });
}

for (const language of ['en', 'ar'] as const) {
  test(`a locked warning and the organisation's tools pass axe in ${language}`, async ({
    page,
  }) => {
    const options = defaultOptions({ language });
    options.tripwires.status = tripwireFixtures.tripwireStatus({
      locked: true,
      toolsInUse: ['TeamViewer', 'Quick Assist'],
      downloads: null,
      codeGuard: true,
      codeGuardOffered: true,
    });
    await openApp(page, 'settings', options);
    const remote = page.locator('#tripwire-remote');
    await expect(remote).toBeChecked();
    await expect(remote).toBeDisabled();
    await expect(page.getByTestId('tripwire-tools').locator('li')).toHaveCount(2);
    await expect(page.locator('#tripwire-remote-locked')).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
  });

  test(`no warning sign yet passes axe in ${language}`, async ({ page }) => {
    const options = defaultOptions({ language });
    options.tripwires = {
      status: tripwireFixtures.tripwireStatus({ recent: 0, remote: false }),
      events: [],
    };
    await openApp(page, 'threats', options);
    await expect(page.getByTestId('tripwire-events').locator('p').last()).toBeVisible();
    await expect(page.getByTestId('tripwire-events').locator('li')).toHaveCount(0);
    expect(await axeViolations(page)).toEqual([]);
    await page.goto('/#/home');
    await expect(page.getByTestId('tripwire-home').locator('[data-recent="0"]')).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
  });
}

test('the code reminder offer is answered from the keyboard, and Settings then shows it on', async ({
  page,
}) => {
  await openApp(page, 'home');
  const offer = page.getByRole('region', { name: 'Get a reminder when you copy a one-time code?' });
  await offer.getByRole('button', { name: 'Turn on' }).focus();
  await page.keyboard.press('Enter');
  await expect(offer.getByRole('status')).toHaveText(/The one-time-code reminder is on/);
  await expect(offer.getByRole('heading')).toBeFocused();
  expect(await axeViolations(page)).toEqual([]);
  const record = await mockRecord(page);
  expect(record.calls).toContainEqual({ cmd: 'set_code_guard', args: { enabled: true } });

  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Settings' })
    .click();
  await expect(
    page.getByRole('switch', { name: 'Remind me when I copy a one-time code' }),
  ).toBeChecked();
});

test('"Not now" declines the offer', async ({ page }) => {
  await openApp(page, 'home');
  const offer = page.getByTestId('code-guard-offer');
  await offer.getByRole('button', { name: 'Not now' }).click();
  await expect(offer.getByRole('status')).toHaveText(/No reminder for now/);
  const cmds = (await mockRecord(page)).calls.map((c) => c.cmd);
  expect(cmds).toContain('decline_code_guard');
  expect(cmds).not.toContain('set_code_guard');
});

test('the remote-access warning is turned off and on from the keyboard', async ({ page }) => {
  await openApp(page, 'settings');
  const remote = page.getByRole('switch', { name: 'Warn me when remote-access software starts' });
  await remote.focus();
  await page.keyboard.press('Space');
  await expect(remote).not.toBeChecked();
  await page.keyboard.press('Space');
  await expect(remote).toBeChecked();
  const calls = (await mockRecord(page)).calls.filter((c) => c.cmd === 'set_remote_tripwire');
  expect(calls.map((c) => c.args)).toEqual([{ enabled: false }, { enabled: true }]);
});

test('a clicked tripwire alert opens Support, its heading focused', async ({ page }) => {
  await openApp(page, 'threats');
  const section = page.getByTestId('tripwire-events');
  await expect(section.locator('li')).toHaveCount(3);
  await emitEvent(page, 'open-support');
  await expect(page).toHaveURL(/#\/support$/);
  await expect(
    page.getByRole('heading', { level: 1, name: 'Real support is only inside DingTalk' }),
  ).toBeFocused();
  expect((await mockRecord(page)).cspViolations).toEqual([]);
});

test.describe('the warning signs in dark mode', () => {
  test.use({ colorScheme: 'dark' });
  for (const screen of ['home', 'threats'] as const) {
    test(`${screen} has no WCAG 2.1 AA violations`, async ({ page }) => {
      const options = defaultOptions();
      options.tripwires.status = tripwireFixtures.tripwireStatus({ remote: false });
      await openApp(page, screen, options);
      await expect(
        page.getByTestId(screen === 'home' ? 'tripwire-home' : 'tripwire-events'),
      ).toContainText(screen === 'home' ? '3 warning signs' : 'AnyDesk was running');
      expect(await axeViolations(page)).toEqual([]);
    });
  }

  test('the open "Report to IT" form has no WCAG 2.1 AA violations', async ({ page }) => {
    const options = defaultOptions();
    options.failures = {
      report_tripwire: {
        code: 'desk_refused',
        message: 'too many reports',
        reason: 'report_rate_limited',
      },
    };
    await openApp(page, 'threats', options);
    await page.getByRole('button', { name: 'Report to IT AnyDesk was running' }).click();
    const form = page.getByRole('form', { name: 'Report “AnyDesk was running” to IT' });
    await form.getByRole('button', { name: 'Send' }).click();
    await expect(form.getByRole('alert')).toContainText('too many reports this hour');
    expect(await axeViolations(page)).toEqual([]);
  });
});

/** The "Report to IT" button and form of the AnyDesk event, in each language tested. */
const REPORT = {
  en: { button: 'Report to IT', send: 'Send', passphrase: 'Passphrase of the device key file' },
  ar: {
    button: 'إبلاغ قسم تقنية المعلومات',
    send: 'إرسال',
    passphrase: 'عبارة مرور ملف مفتاح الجهاز',
  },
} as const;

for (const language of ['en', 'ar'] as const) {
  test(`the open "Report to IT" form passes axe in ${language}, and with a failure in it`, async ({
    page,
  }) => {
    const options = defaultOptions({ language });
    options.failures = {
      report_tripwire: { code: 'not_enrolled', message: 'this device is not enrolled' },
    };
    await openApp(page, 'threats', options);
    const row = page.getByTestId('tripwire-events').locator('li').nth(1);
    await row.getByRole('button', { name: REPORT[language].button }).click();
    const form = row.getByRole('form');
    await expect(form.getByRole('textbox')).toBeFocused();
    await form.getByRole('textbox').fill('A caller asked me to open AnyDesk');
    expect(await axeViolations(page)).toEqual([]);

    await form.getByRole('button', { name: REPORT[language].send }).click();
    await expect(form.getByRole('alert')).toBeVisible();
    await expect(form.getByRole('link')).toHaveAttribute('href', '#/device');
    await expect(form.getByRole('textbox')).toHaveValue('A caller asked me to open AnyDesk');
    expect(await axeViolations(page)).toEqual([]);
  });
}

for (const language of ['en', 'ar'] as const) {
  test(`the passphrase field of the report form passes axe in ${language}`, async ({ page }) => {
    const options = defaultOptions({ language });
    options.tripwires.keyPassphrase = 'correct horse battery';
    await openApp(page, 'threats', options);
    const row = page.getByTestId('tripwire-events').locator('li').nth(1);
    await row.getByRole('button', { name: REPORT[language].button }).click();
    const form = row.getByRole('form');
    await form.getByRole('button', { name: REPORT[language].send }).click();
    const field = form.getByLabel(REPORT[language].passphrase);
    await expect(field).toBeFocused();
    await expect(field).toHaveAttribute('type', 'password');
    await field.fill('not it');
    await form.getByRole('button', { name: REPORT[language].send }).click();
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(field).toHaveValue('');
    expect(await axeViolations(page)).toEqual([]);

    await field.fill('correct horse battery');
    await page.keyboard.press('Enter');
    await expect(form).toHaveCount(0);
    await expect(row.getByRole('button')).toHaveCount(0);
    const calls = (await mockRecord(page)).calls.filter((c) => c.cmd === 'report_tripwire');
    expect(calls.map((c) => c.args.passphrase)).toEqual([null, 'not it', 'correct horse battery']);
  });
}

test('a warning sign is reported to IT from the keyboard alone', async ({ page }) => {
  await openApp(page, 'threats');
  const section = page.getByTestId('tripwire-events');
  const row = section.locator('li').nth(1);
  const button = row.getByRole('button', { name: 'Report to IT AnyDesk was running' });
  await button.focus();

  // Escape closes the form, focus back on the button.
  await page.keyboard.press('Enter');
  const form = page.getByRole('form', { name: 'Report “AnyDesk was running” to IT' });
  await expect(form.getByRole('textbox', { name: 'What happened? (optional)' })).toBeFocused();
  await page.keyboard.type('draft');
  await page.keyboard.press('Escape');
  await expect(form).toHaveCount(0);
  await expect(button).toBeFocused();
  await expect(button).toHaveAttribute('aria-expanded', 'false');

  // Cancel, reached with Tab, does the same.
  await page.keyboard.press('Space');
  await expect(form.getByRole('textbox')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(form.getByRole('button', { name: 'Send' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(form.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(form).toHaveCount(0);
  await expect(button).toBeFocused();

  // Sent with a note.
  await page.keyboard.press('Enter');
  await page.keyboard.type('A man from "DingTalk support" asked me to open AnyDesk');
  await expect(form).toContainText('54 of 1000 characters');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(section.getByRole('status')).toHaveText('Sent to IT: AnyDesk was running.');
  await expect(row.getByText('Sent to IT', { exact: true })).toBeFocused();
  await expect(row.getByRole('button')).toHaveCount(0);
  await expect(section.getByText('Sent to IT', { exact: true })).toHaveCount(2);
  expect(await axeViolations(page)).toEqual([]);
  const calls = (await mockRecord(page)).calls.filter((c) => c.cmd === 'report_tripwire');
  expect(calls.map((c) => c.args)).toEqual([
    { id: 2, note: 'A man from "DingTalk support" asked me to open AnyDesk', passphrase: null },
  ]);
});
