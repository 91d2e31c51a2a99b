import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import * as drillFixtures from '../src/lib/ipc/drill-fixtures';
import { defaultOptions, emitEvent, mockRecord, openApp } from './mock-backend';
import type { MockOptions } from './mock-backend';

const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

async function axeViolations(page: Page): Promise<{ id: string; targets: string[] }[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_21_AA).analyze();
  return results.violations.map((v) => ({
    id: v.id,
    targets: v.nodes.map((n) => n.target.join(' ')),
  }));
}

const WORDS = {
  en: {
    report: 'Report to IT',
    check: 'Check this',
    dismiss: 'Dismiss',
    reveal: 'This was a drill by your organisation',
    reported: 'You reported it to IT.',
    checked: 'You checked its number or link with Verity.',
    typed: 'You typed a code into the chat.',
    lesson: 'Real support never asks for verification codes, remote access or payment.',
    request: 'Chat request from DingTalk Support (not verified)',
    accept: 'Accept',
    message: 'Message',
    send: 'Send',
    official: 'Show me the official path',
    support: 'Real support is only inside DingTalk',
  },
  ar: {
    report: 'إبلاغ قسم تقنية المعلومات',
    check: 'تحقّق من هذا',
    dismiss: 'تجاهل',
    reveal: 'كان هذا تمرينًا من مؤسستك',
    reported: 'أبلغتَ قسم تقنية المعلومات عنها.',
    checked: 'تحققتَ من رقمها أو رابطها باستخدام Verity.',
    typed: 'كتبتَ رمزًا في المحادثة.',
    lesson: 'الدعم الحقيقي لا يطلب أبدًا رموز التحقق أو الوصول عن بُعد أو الدفع.',
    request: 'طلب محادثة من دعم DingTalk (غير موثّق)',
    accept: 'قبول',
    message: 'الرسالة',
    send: 'إرسال',
    official: 'اعرض لي الطريق الرسمي',
    support: 'الدعم الحقيقي موجود داخل DingTalk فقط',
  },
} as const;

const LURE = 'd-00000000000000a1';
const CHAT = 'd-00000000000000c2';

function withDrills(language: 'en' | 'ar', list: MockOptions['drills']['list']): MockOptions {
  const options = defaultOptions({ language });
  options.drills = {
    list,
    chatFollowUp: drillFixtures.SUPPORT_CODE[language].followUps[0] ?? '',
  };
  return options;
}

for (const language of ['en', 'ar'] as const) {
  const w = WORDS[language];

  test(`the lure view looks like the message, Report to IT reveals the drill, axe-clean in ${language}`, async ({
    page,
  }) => {
    const lure = drillFixtures.notificationDrill({}, language);
    await openApp(page, `drill/${LURE}`, withDrills(language, [lure]));
    await expect(page.locator('html')).toHaveAttribute('dir', language === 'ar' ? 'rtl' : 'ltr');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(lure.sender);
    const message = page.getByTestId('drill-lure');
    await expect(message.getByRole('button', { name: drillFixtures.LINK })).toBeVisible();
    await expect(page.getByTestId('drill-lure-number')).toHaveText(drillFixtures.NUMBER);
    await expect(message.locator('a[href]')).toHaveCount(0);
    await expect(page.getByRole('dialog')).toHaveCount(0);
    expect(await axeViolations(page)).toEqual([]);

    // Keyboard: to the report button and Enter.
    await message.getByRole('button', { name: w.report }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: w.reveal });
    await expect(dialog).toBeVisible();
    await expect(dialog).toBeFocused();
    await expect(dialog).toContainText(w.reported);
    await expect(dialog).toContainText(w.lesson);
    expect(await axeViolations(page)).toEqual([]);
    const calls = (await mockRecord(page)).calls.filter((c) => c.cmd === 'drill_act');
    expect(calls.map((c) => c.args)).toEqual([{ drillId: LURE, act: 'report_to_it' }]);

    // The focus stays inside; Escape closes.
    for (let i = 0; i < 4; i += 1) {
      await page.keyboard.press('Tab');
      expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
    }
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    expect((await mockRecord(page)).cspViolations).toEqual([]);
  });

  test(`the Support screen's chat request: a code typed reveals the drill, axe-clean in ${language}`, async ({
    page,
  }) => {
    await openApp(page, 'support', withDrills(language, [drillFixtures.chatDrill({}, language)]));
    const request = page.getByRole('region', { name: w.request });
    await expect(request).toBeVisible();
    await expect(page.getByTestId('support-session')).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);

    await request.getByRole('button', { name: w.accept }).click();
    const chat = page.getByTestId('drill-chat');
    await expect(chat.getByRole('log')).toContainText(
      drillFixtures.SUPPORT_CODE[language].body.slice(0, 20),
    );
    const input = chat.getByRole('textbox', { name: w.message });
    await expect(input).toBeFocused();
    expect(await axeViolations(page)).toEqual([]);
    await input.fill('482915');
    await input.press('Enter');
    const dialog = page.getByRole('dialog', { name: w.reveal });
    await expect(dialog).toContainText(w.typed);
    expect(await axeViolations(page)).toEqual([]);
    const calls = (await mockRecord(page)).calls.filter((c) => c.cmd === 'drill_chat_send');
    expect(calls.map((c) => c.args)).toEqual([{ drillId: CHAT, text: '482915' }]);

    // The way to the official path.
    await dialog.getByRole('button', { name: w.official }).click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(w.support);
    await expect(page.getByTestId('drill-chat')).toHaveCount(0);
  });
}

test('the lure opens from its notification; Check this reveals it through drill-revealed', async ({
  page,
}) => {
  await openApp(page, 'home', withDrills('en', [drillFixtures.notificationDrill()]));
  await emitEvent(page, 'open-drill', LURE);
  await expect(page).toHaveURL(new RegExp(`#/drill/${LURE}$`));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('DingTalk Service');
  await expect(page.getByRole('heading', { level: 1 })).toBeFocused();
  await page.getByRole('button', { name: WORDS.en.check }).click();
  const dialog = page.getByRole('dialog', { name: WORDS.en.reveal });
  await expect(dialog).toContainText(WORDS.en.checked);
  const record = await mockRecord(page);
  expect(record.calls.filter((c) => c.cmd === 'check').map((c) => c.args.input)).toEqual([
    drillFixtures.NUMBER,
  ]);
  expect(record.calls.filter((c) => c.cmd === 'drill_act')).toEqual([]);
  expect(record.cspViolations).toEqual([]);
});

test.describe('the lure and the reveal in dark mode', () => {
  test.use({ colorScheme: 'dark' });
  for (const language of ['en', 'ar'] as const) {
    test(`have no WCAG 2.1 AA violations in ${language}`, async ({ page }) => {
      await openApp(
        page,
        `drill/${LURE}`,
        withDrills(language, [drillFixtures.notificationDrill({}, language)]),
      );
      expect(await axeViolations(page)).toEqual([]);
      await page.getByRole('button', { name: drillFixtures.LINK }).click();
      await expect(page.getByRole('dialog')).toBeVisible();
      expect(await axeViolations(page)).toEqual([]);
    });
  }
});
