import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import * as fixtures from '../src/lib/ipc/fixtures';
import * as supportFixtures from '../src/lib/ipc/support-fixtures';
import type { AgentDeskView } from '../src/lib/ipc';
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

type Support = MockOptions['support'];

/** An agent's app: the desk answers a workplace with one session and one offer. */
function agent(language: 'en' | 'ar' = 'en', secondsLeft = 27): MockOptions {
  const options = defaultOptions({ language });
  const now = Math.floor(Date.now() / 1000);
  options.device = fixtures.deviceBound();
  options.support.desk = {
    ...supportFixtures.agentDesk(now),
    offers: [supportFixtures.offer(now, secondsLeft)],
  };
  return options;
}

async function changeDesk(page: Page, change: (d: AgentDeskView) => AgentDeskView): Promise<void> {
  const desk = await page.evaluate(
    () => (window as unknown as { __VERITY_SUPPORT__: Support }).__VERITY_SUPPORT__.desk,
  );
  if (!desk) throw new Error('not an agent');
  const next = change(desk);
  await page.evaluate((d) => {
    (window as unknown as { __VERITY_SUPPORT__: Support }).__VERITY_SUPPORT__.desk = d;
  }, next);
  await emitEvent(page, 'agent-changed');
}

const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });

test('the Agent entry appears only in an agent’s app', async ({ page }) => {
  await openApp(page, 'home');
  await expect(nav(page).getByRole('link', { name: 'Support', exact: true })).toBeVisible();
  await expect(nav(page).getByRole('link', { name: 'Agent', exact: true })).toHaveCount(0);

  await page.goto('about:blank');
  await openApp(page, 'home', agent());
  await nav(page).getByRole('link', { name: 'Agent', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Agent workplace');
  await expect(page.getByRole('heading', { level: 1 })).toBeFocused();
});

test('offers count down, accept opens a tab, a canned answer is sent, a call shows its code, close', async ({
  page,
}) => {
  await openApp(page, 'agent', agent());
  await expect(page.getByTestId('agent-waiting')).toHaveText('Waiting for your team: 4');
  await expect(page.getByTestId('agent-capacity')).toHaveText('Your sessions: 1 of 3');

  const offer = page.getByTestId('agent-offer');
  await expect(offer).toContainText('Login and verification');
  await expect(offer).toContainText('zh-HK');
  await expect(offer).toContainText('HK');
  await expect(offer).toContainText('2 min');
  const countdown = offer.getByTestId('offer-countdown');
  await expect(countdown).toHaveText(/^Goes to the next agent in 0:2\d$/);
  const first = await countdown.textContent();
  await expect(countdown).not.toHaveText(first ?? '', { timeout: 3000 });
  expect(await axeViolations(page)).toEqual([]);

  await offer.getByRole('button', { name: 'Accept' }).click();
  await expect(page.getByTestId('agent-offer')).toHaveCount(0);
  await expect(page.getByText('No offers right now.')).toBeVisible();
  const tabs = page.getByRole('tab');
  await expect(tabs).toHaveCount(2);
  await expect(tabs.nth(1)).toHaveAttribute('aria-selected', 'true');
  const panel = page.getByRole('tabpanel');
  await expect(panel).toContainText('Lee Siu Ming');
  await expect(panel).toContainText('e207');
  await expect(page.getByTestId('agent-capacity')).toHaveText('Your sessions: 2 of 3');

  // Arrow keys move between the tabs.
  await tabs.nth(1).focus();
  await page.keyboard.press('ArrowLeft');
  await expect(tabs.nth(0)).toBeFocused();
  await expect(tabs.nth(0)).toHaveAttribute('aria-selected', 'true');
  await expect(panel).toContainText('Chan Tai Man');
  await page.keyboard.press('End');
  await expect(tabs.nth(1)).toHaveAttribute('aria-selected', 'true');

  // A canned answer goes into the composer, to send with Enter.
  await panel.getByRole('button', { name: 'Never a password or code' }).click();
  const composer = panel.getByLabel('Your message');
  await expect(composer).toBeFocused();
  await expect(composer).toHaveValue(
    'I will never ask for your password or a code. If anyone does, they are not support.',
  );
  await page.keyboard.press('Enter');
  await expect(composer).toHaveValue('');
  await expect(panel.getByTestId('chat-message').last()).toContainText(
    'I will never ask for your password or a code.',
  );
  const sent = (await mockRecord(page)).calls.find((c) => c.cmd === 'agent_send');
  expect(sent?.args).toEqual({
    sessionId: 's-2',
    text: 'I will never ask for your password or a code. If anyone does, they are not support.',
  });

  // The call: the code to read out, then the employee's answer.
  await panel.getByRole('button', { name: 'Start call' }).click();
  const call = page.getByTestId('agent-call');
  await expect(call).toContainText('Read this code to the employee:');
  await expect(call.locator('.code')).toHaveText('482 915');
  await expect(call).toContainText("Waiting for the employee's answer…");
  expect(await axeViolations(page)).toEqual([]);
  await changeDesk(page, (d) => ({
    ...d,
    sessions: d.sessions.map((s) => (s.call ? { ...s, call: { ...s.call, matched: true } } : s)),
  }));
  await expect(call).toContainText('The employee confirmed the code.');

  // Close with an outcome and a summary.
  await panel.getByLabel('Outcome').selectOption('escalated');
  await panel.getByLabel('Summary for the employee').fill('Handed to the identity team.');
  await panel.getByRole('button', { name: 'Close session' }).click();
  await expect(panel).toContainText('Outcome: Handed on to another team');
  await expect(panel.getByLabel('Your message')).toHaveCount(0);
  const closed = (await mockRecord(page)).calls.find((c) => c.cmd === 'agent_close');
  expect(closed?.args).toEqual({
    sessionId: 's-2',
    outcome: 'escalated',
    summary: 'Handed to the identity team.',
  });
  await expect(tabs.nth(1)).toContainText('closed');
  expect((await mockRecord(page)).cspViolations).toEqual([]);
});

test('decline, go away, transfer', async ({ page }) => {
  await openApp(page, 'agent', agent());
  await page.getByTestId('agent-offer').getByRole('button', { name: 'Decline' }).click();
  await expect(page.getByTestId('agent-offer')).toHaveCount(0);

  const online = page.getByRole('switch', { name: 'Online (taking sessions)' });
  await expect(online).toBeChecked();
  await online.press('Space');
  await expect(online).not.toBeChecked();
  await expect(page.getByTestId('agent-presence')).toContainText('You are away');

  const panel = page.getByRole('tabpanel');
  await panel.getByRole('button', { name: 'Transfer' }).click();
  await expect(panel).toContainText("Type the team's name.");
  await panel.getByLabel('Team to transfer to').fill('Billing');
  await panel.getByRole('button', { name: 'Transfer' }).click();
  await expect(page.getByText('No sessions yet.')).toBeVisible();
  const transfer = (await mockRecord(page)).calls.find((c) => c.cmd === 'agent_transfer');
  expect(transfer?.args).toEqual({ sessionId: 's-1', team: 'Billing' });
});

test('a lapsed offer says so', async ({ page }) => {
  await openApp(page, 'agent', agent('en', 1));
  await expect(page.getByTestId('offer-countdown')).toHaveText('Offer lapsed', { timeout: 4000 });
});

for (const language of ['en', 'ar'] as const) {
  for (const scheme of ['light', 'dark'] as const) {
    test(`the Agent screen passes axe in ${language} (${scheme})`, async ({ page }) => {
      await page.emulateMedia({ colorScheme: scheme });
      await openApp(page, 'agent', agent(language));
      await expect(page.locator('html')).toHaveAttribute('dir', language === 'ar' ? 'rtl' : 'ltr');
      await expect(page.getByRole('tabpanel')).toBeVisible();
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
      expect(await axeViolations(page)).toEqual([]);
    });
  }
}

test('an app that is not an agent’s says so on the Agent screen', async ({ page }) => {
  await openApp(page, 'agent');
  await expect(page.getByText('This app is not a support agent', { exact: false })).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
});

test('the Device screen enrols with an agent’s code, then leads to the Agent screen', async ({
  page,
}) => {
  await openApp(page, 'device');
  await page.locator('#enroll-desk').fill('https://desk.acme.example');
  await page.locator('#enroll-code').fill('AGNT-CODE-0001');
  await page.locator('#enroll-fingerprint').fill(fixtures.ORG_FINGERPRINT);
  await page.getByLabel("This is a support agent's code").check();
  await page.locator('button[type="submit"]').click();
  const confirm = page.locator('.confirm');
  await expect(confirm).toBeVisible();
  await expect(confirm).toContainText(fixtures.ORG_FINGERPRINT);
  await confirm.getByRole('button', { name: /^Yes, bind to/ }).click();
  const done = page.getByTestId('agent-enrolled');
  await expect(done).toContainText("This app is now bound as Acme HK's support agent.");
  await expect(page.getByTestId('agent-card')).toContainText('Wong Ka Yan');
  const calls = (await mockRecord(page)).calls.map((c) => c.cmd);
  expect(calls).toContain('device_enroll_agent');
  expect(calls).not.toContain('device_enroll');
  const enrol = (await mockRecord(page)).calls.find((c) => c.cmd === 'device_enroll_agent');
  expect(enrol?.args).toMatchObject({
    deskUrl: 'https://desk.acme.example',
    code: 'AGNT-CODE-0001',
    fingerprint: fixtures.ORG_FINGERPRINT,
    keyStore: 'os',
  });
  expect(await axeViolations(page)).toEqual([]);
  await expect(nav(page).getByRole('link', { name: 'Agent', exact: true })).toBeVisible();
  await done.getByRole('link', { name: 'Go to the Agent screen' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Agent workplace');
});
