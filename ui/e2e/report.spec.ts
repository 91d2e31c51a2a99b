import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import * as fixtures from '../src/lib/ipc/fixtures';
import { HOSTILE_ITEM, itReports } from '../src/lib/ipc/report-fixtures';
import type { Language } from '../src/lib/ipc';
import { defaultOptions, mockRecord, openApp } from './mock-backend';

const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

async function axeViolations(page: Page): Promise<{ id: string; targets: string[] }[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_21_AA).analyze();
  return results.violations.map((v) => ({
    id: v.id,
    targets: v.nodes.map((n) => n.target.join(' ')),
  }));
}

/** An enrolled device, in `language`, with one answer from IT not seen yet. */
function enrolled(language: Language) {
  const options = defaultOptions({ language });
  options.device = fixtures.deviceBound();
  options.reports = { list: itReports() };
  return options;
}

const WORDS = {
  en: {
    dir: 'ltr',
    open: 'Report to IT',
    form: 'Report this check to IT',
    send: 'Send',
    sent: "Sent to IT (report #46). You'll see here what IT decides.",
    reports: 'Your reports to IT',
    threatForm: 'Report “+85230010005” to IT',
    refresh: "Check for IT's answers",
    refreshed: "Up to date: these are IT's latest answers.",
    confirmed: 'Confirmed by IT',
    hasCode: 'Never send a code to anyone, not even IT.',
  },
  ar: {
    dir: 'rtl',
    open: 'إبلاغ قسم تقنية المعلومات',
    form: 'إبلاغ قسم تقنية المعلومات بهذا الفحص',
    send: 'إرسال',
    sent: 'أُرسل إلى قسم تقنية المعلومات (البلاغ رقم 46). سترى هنا ما يقرره القسم.',
    reports: 'بلاغاتك إلى قسم تقنية المعلومات',
    threatForm: 'إبلاغ قسم تقنية المعلومات عن «+85230010005»',
    refresh: 'التحقق من ردود قسم تقنية المعلومات',
    refreshed: 'محدَّث: هذه أحدث ردود قسم تقنية المعلومات.',
    confirmed: 'أكّده قسم تقنية المعلومات',
    hasCode: 'لا ترسل أي رمز لأحد، ولا حتى لقسم تقنية المعلومات.',
  },
} as const;

for (const [language, words] of Object.entries(WORDS) as [
  keyof typeof WORDS,
  (typeof WORDS)[keyof typeof WORDS],
][]) {
  test.describe(`reports to IT in ${language}`, () => {
    test('a Check verdict is reported from the keyboard, without WCAG violations', async ({
      page,
    }) => {
      await openApp(page, 'check', enrolled(language));
      await expect(page.locator('html')).toHaveAttribute('dir', words.dir);
      const phone = fixtures.scamPhone().input;
      await page.locator('#check-input').fill(phone);
      await page.locator('form.ask button[type="submit"]').click();
      const open = page.getByRole('button', { name: words.open, exact: true });
      await open.focus();
      await page.keyboard.press('Enter');
      const form = page.getByRole('form', { name: words.form });
      await expect(form.getByRole('textbox')).toBeFocused();
      expect(await axeViolations(page)).toEqual([]);

      // A code in the note is refused, worded, and the note is kept.
      await page.keyboard.type('He asked me for 834201');
      await form.getByRole('button', { name: words.send }).click();
      await expect(form.getByRole('alert')).toContainText(words.hasCode);
      expect(await axeViolations(page)).toEqual([]);

      await form.getByRole('textbox').fill('He said he was DingTalk support');
      await form.getByRole('button', { name: words.send }).click();
      await expect(page.getByRole('status').filter({ hasText: words.sent })).toBeVisible();
      const reports = page.getByRole('region', { name: words.reports });
      await expect(reports.locator('li').first()).toContainText(phone);
      expect(await axeViolations(page)).toEqual([]);
      const record = await mockRecord(page);
      expect(record.calls.filter((c) => c.cmd === 'report_check').map((c) => c.args)).toEqual([
        { input: phone, kind: null, note: 'He asked me for 834201', passphrase: null },
        { input: phone, kind: null, note: 'He said he was DingTalk support', passphrase: null },
      ]);
    });

    test('Threats: report an entry, list the reports, check for answers, without WCAG violations', async ({
      page,
    }) => {
      await openApp(page, 'threats', enrolled(language));
      const reports = page.getByTestId('it-reports');
      await expect(reports.locator('li')).toHaveCount(5);
      // The hostile item is text: no link, no image, no markup.
      await expect(reports.getByText(HOSTILE_ITEM)).toBeVisible();
      await expect(reports.locator('a, img')).toHaveCount(0);
      await expect(reports.locator('li').first().locator('.state')).toHaveText(words.confirmed);
      expect(await axeViolations(page)).toEqual([]);

      await page
        .getByRole('table')
        .getByRole('button', { name: `${words.open} +85230010005` })
        .click();
      const form = page.getByRole('form', { name: words.threatForm });
      await expect(form.getByRole('textbox')).toBeFocused();
      expect(await axeViolations(page)).toEqual([]);
      await form.getByRole('button', { name: words.send }).click();
      await expect(form).toHaveCount(0);
      await expect(reports.locator('li')).toHaveCount(6);
      await expect(reports.locator('li').first()).toContainText('+85230010005');

      await reports.getByRole('button', { name: words.refresh }).click();
      await expect(reports.getByRole('status')).toHaveText(words.refreshed);
      await expect(reports.locator('li').first().locator('.state')).toHaveText(words.confirmed);
      expect(await axeViolations(page)).toEqual([]);
      const record = await mockRecord(page);
      expect(record.calls.map((c) => c.cmd)).toContain('mark_it_reports_seen');
      expect(record.cspViolations).toEqual([]);
    });
  });
}

test.describe('reports to IT in dark mode', () => {
  test.use({ colorScheme: 'dark' });
  test('the list and a form pass axe', async ({ page }) => {
    await openApp(page, 'threats', enrolled('en'));
    await expect(page.getByTestId('it-reports').locator('li')).toHaveCount(5);
    await page
      .getByRole('table')
      .getByRole('button', { name: 'Report to IT +85230010005' })
      .click();
    await expect(page.getByRole('form')).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
  });
});

test('the sidebar counts an unseen answer from IT until the list is shown', async ({ page }) => {
  await openApp(page, 'home', enrolled('en'));
  const nav = page.getByRole('navigation', { name: 'Main' });
  const link = nav.getByRole('link', { name: 'Threats One new answer from IT' });
  await expect(link).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
  await link.click();
  await expect(page.getByTestId('it-reports-unseen')).toHaveText('One new answer from IT');
  await expect(nav.getByRole('link', { name: 'Threats', exact: true })).toBeVisible();
});
