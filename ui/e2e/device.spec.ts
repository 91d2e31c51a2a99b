import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import * as fixtures from '../src/lib/ipc/fixtures';
import type { DeviceChecks } from '../src/lib/ipc';
import { defaultOptions, mockRecord, openApp } from './mock-backend';
import type { MockOptions } from './mock-backend';

const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

async function axeViolations(page: Page): Promise<{ id: string; targets: string[] }[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_21_AA).analyze();
  return results.violations.map((v) => ({
    id: v.id,
    targets: v.nodes.map((n) => n.target.join(' ')),
  }));
}

const bound = (options: Partial<MockOptions> = {}, language: 'en' | 'ar' = 'en'): MockOptions => ({
  ...defaultOptions({ language }),
  device: fixtures.deviceBound(),
  ...options,
});

/** Fills the enrolment form from the keyboard and sends it with Enter. */
async function enrolFromKeyboard(page: Page): Promise<void> {
  await page.locator('#enroll-desk').focus();
  await page.keyboard.type('https://desk.acme.example');
  await page.keyboard.press('Tab');
  await page.keyboard.type('ABCD-EFGH-JKMN');
  await page.keyboard.press('Tab');
  await page.keyboard.type(fixtures.ORG_FINGERPRINT);
  await page.keyboard.press('Enter');
  await confirmBinding(page);
}

/** The desk's confirmation (who it says it is): checked with axe, then accepted from the keyboard. */
async function confirmBinding(page: Page): Promise<void> {
  const confirm = page.locator('.confirm');
  await expect(confirm).toBeVisible();
  await expect(confirm.locator('h3')).toBeFocused();
  expect(await axeViolations(page)).toEqual([]);
  const enrols = async (): Promise<number> =>
    (await mockRecord(page)).calls.filter((c) => c.cmd === 'device_enroll').length;
  const before = await enrols();
  const last = (await mockRecord(page)).calls.at(-1)?.cmd;
  expect(last, 'the desk was asked who it is, and nothing else yet').toBe('device_preview');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect.poll(enrols).toBe(before + 1);
}

/** Types a code into "Verify my device now" and runs the checks. */
async function verify(page: Page, code: string): Promise<void> {
  await page.locator('#verify-code').fill(code);
  await page.locator('#verify-code').press('Enter');
  await expect(page.locator('li[data-check]')).toHaveCount(3);
}

for (const language of ['en', 'ar'] as const) {
  test.describe(`the Device screen in ${language}`, () => {
    test('not bound: the enrolment form passes axe', async ({ page }) => {
      await openApp(page, 'device', defaultOptions({ language }));
      await expect(page.locator('html')).toHaveAttribute('dir', language === 'ar' ? 'rtl' : 'ltr');
      await expect(page.locator('#enroll-desk')).toBeVisible();
      await expect(page.locator('#enroll-desk')).toHaveAttribute('dir', 'ltr');
      expect(await axeViolations(page)).toEqual([]);
      // With the advanced part open, too.
      await page.locator('details.advanced summary').click();
      await expect(page.locator('#enroll-ca')).toBeVisible();
      expect(await axeViolations(page)).toEqual([]);
    });

    test('enrolling from the keyboard shows the fingerprint and the QR code', async ({ page }) => {
      await openApp(page, 'device', defaultOptions({ language }));
      await enrolFromKeyboard(page);
      const qr = page.locator('svg.qr');
      await expect(qr).toBeVisible();
      const box = await qr.boundingBox();
      expect(box && box.width >= 200 && box.height >= 200).toBe(true);
      await expect(page.locator('.fingerprint bdi')).toHaveText(fixtures.ORG_FINGERPRINT);
      await expect(page.locator('.fingerprint bdi')).toHaveAttribute('dir', 'ltr');
      await expect(page.locator('[data-secret]')).toHaveAttribute(
        'data-secret',
        fixtures.totpSetup().secret,
      );
      expect(await axeViolations(page)).toEqual([]);
      const record = await mockRecord(page);
      expect(record.calls).toContainEqual({
        cmd: 'device_enroll',
        args: {
          deskUrl: 'https://desk.acme.example',
          code: 'ABCD-EFGH-JKMN',
          fingerprint: fixtures.ORG_FINGERPRINT,
          keyStore: 'os',
          passphrase: null,
          deskCa: null,
        },
      });
      expect(record.cspViolations).toEqual([]);
    });

    const results: [string, () => DeviceChecks, string[]][] = [
      ['all passed', fixtures.deviceChecks.allPassed, ['pass', 'pass', 'pass']],
      ['a wrong code', fixtures.deviceChecks.wrongCode, ['pass', 'fail', 'pass']],
      ['a region refusal', fixtures.deviceChecks.regionRefused, ['pass', 'skipped', 'fail']],
      ['no region policy', fixtures.deviceChecks.noPolicy, ['pass', 'pass', 'warn']],
    ];
    for (const [name, checks, states] of results) {
      test(`verify results (${name}) pass axe`, async ({ page }) => {
        await openApp(page, 'device', bound({ deviceChecks: checks() }, language));
        await verify(page, '123456');
        const items = page.locator('li[data-check]');
        for (const [i, state] of states.entries())
          await expect(items.nth(i)).toHaveAttribute('data-state', state);
        expect(await axeViolations(page)).toEqual([]);
        expect((await mockRecord(page)).cspViolations).toEqual([]);
      });
    }
  });
}

test('no secure store: the key file is offered, and used with its passphrase', async ({ page }) => {
  await openApp(page, 'device', { ...defaultOptions(), deviceNoSecureStore: true });
  await enrolFromKeyboard(page);
  const notice = page.getByRole('alert').filter({ hasText: 'No secure key store' });
  await expect(notice).toBeFocused();
  await page.keyboard.press('Tab');
  const optIn = page.getByRole('checkbox', {
    name: 'Keep the device key in a passphrase-encrypted file',
  });
  await expect(optIn).toBeFocused();
  await page.keyboard.press('Space');
  await page.keyboard.press('Tab');
  await page.keyboard.type('correct horse battery');
  await page.keyboard.press('Tab');
  await page.keyboard.type('correct horse battery');
  expect(await axeViolations(page)).toEqual([]);
  await page.keyboard.press('Enter');
  await confirmBinding(page);
  await expect(page.locator('svg.qr')).toBeVisible();
  const enrolCalls = (await mockRecord(page)).calls.filter((c) => c.cmd === 'device_enroll');
  expect(enrolCalls.map((c) => c.args.keyStore)).toEqual(['os', 'file']);
  expect(enrolCalls[1]?.args.passphrase).toBe('correct horse battery');
});

test('the binding card and the unbind confirmation pass axe, and unbinding works', async ({
  page,
}) => {
  await openApp(page, 'device', bound());
  await expect(page.getByRole('region', { name: 'This device', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Unbind this device…' }).click();
  await expect(page.getByRole('button', { name: 'Cancel' })).toBeFocused();
  expect(await axeViolations(page)).toEqual([]);
  await page.getByRole('button', { name: 'Unbind', exact: true }).click();
  await expect(page.getByText('This device is no longer bound')).toBeVisible();
  await expect(page.locator('#enroll-desk')).toBeVisible();
  expect((await mockRecord(page)).calls.map((c) => c.cmd)).toContain('device_unbind');
});

test.describe('the Device screen in dark mode', () => {
  test.use({ colorScheme: 'dark' });
  test('a bound device with refused checks passes axe', async ({ page }) => {
    await openApp(
      page,
      'device',
      bound({
        deviceChecks: fixtures.deviceChecks.regionRefused(),
        deviceEnrolled: fixtures.deviceEnrolled(),
      }),
    );
    await page.getByRole('button', { name: 'Set up two-factor again' }).click();
    await expect(page.locator('svg.qr')).toBeVisible();
    await verify(page, '123456');
    expect(await axeViolations(page)).toEqual([]);
  });
});
