import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import * as fixtures from '../src/lib/ipc/fixtures';
import * as supportFixtures from '../src/lib/ipc/support-fixtures';
import type { SessionView } from '../src/lib/ipc';
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

const HEADLINE = {
  en: 'Real support is only inside DingTalk',
  ar: 'الدعم الحقيقي موجود داخل DingTalk فقط',
} as const;

const LINK = 'How to reach real DingTalk support';

for (const language of ['en', 'ar'] as const) {
  test(`the Support screen draws the official path and passes axe in ${language}`, async ({
    page,
  }) => {
    await openApp(page, 'support', defaultOptions({ language }));
    const rtl = language === 'ar';
    await expect(page.locator('html')).toHaveAttribute('dir', rtl ? 'rtl' : 'ltr');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(HEADLINE[language]);
    const steps = page.getByTestId('support-path').locator('ol > li');
    await expect(steps).toHaveCount(3);
    await expect(page.getByTestId('support-path').getByRole('img')).toHaveCount(3);
    await expect(page.getByTestId('support-never').locator('li')).toHaveCount(4);
    await expect(page.getByTestId('support-session')).toBeVisible();
    await expect(page.getByTestId('support-session').getByRole('button')).toHaveCount(0);

    // The path reads in the UI's direction: step 1 at the start (left in English, right in Arabic),
    // and the arrows point from each step to the next.
    const first = await steps.nth(0).boundingBox();
    const last = await steps.nth(2).boundingBox();
    if (!first || !last) throw new Error('the steps are not laid out');
    expect(first.y).toBe(last.y);
    if (rtl) expect(first.x).toBeGreaterThan(last.x);
    else expect(first.x).toBeLessThan(last.x);
    const arrows = page.getByTestId('support-path').locator('.arrow');
    await expect(arrows).toHaveCount(2);
    const transform = await arrows.first().evaluate((el) => getComputedStyle(el).transform);
    expect(transform).toBe(rtl ? 'matrix(-1, 0, 0, 1, 0, 0)' : 'none');
    const arrow = await arrows.first().boundingBox();
    const second = await steps.nth(1).boundingBox();
    if (!arrow || !second) throw new Error('the arrow is not laid out');
    // The first arrow sits between step 1 and step 2.
    const [lo, hi] = rtl ? [second.x, first.x + first.width] : [first.x, second.x + second.width];
    expect(arrow.x).toBeGreaterThan(lo);
    expect(arrow.x + arrow.width).toBeLessThan(hi);

    // The drawings' labels stay inside their phones, and the drawings line up with each other.
    const outside = await page
      .getByTestId('support-path')
      .locator('svg.phone')
      .evaluateAll((phones) =>
        phones.flatMap((phone) => {
          const box = phone.getBoundingClientRect();
          return [...phone.querySelectorAll('text')]
            .filter((text) => {
              const r = text.getBoundingClientRect();
              return r.left < box.left || r.right > box.right;
            })
            .map((text) => text.textContent ?? '');
        }),
      );
    expect(outside).toEqual([]);
    const tops = await page
      .getByTestId('support-path')
      .locator('svg.phone')
      .evaluateAll((phones) => phones.map((p) => Math.round(p.getBoundingClientRect().top)));
    expect(new Set(tops).size).toBe(1);

    expect(await axeViolations(page)).toEqual([]);
    expect((await mockRecord(page)).cspViolations).toEqual([]);
  });
}

test('a scam verdict, the threats list and the official-path step lead to Support, keyboard first', async ({
  page,
}) => {
  const headline = page.getByRole('heading', { level: 1, name: HEADLINE.en });

  await openApp(page, 'check');
  await page.getByRole('textbox').fill(fixtures.scamPhone().input);
  await page.locator('button[type="submit"]').click();
  await page.getByRole('link', { name: LINK }).focus();
  await page.keyboard.press('Enter');
  await expect(headline).toBeFocused();
  await expect(page).toHaveURL(/#\/support$/);

  await page.goto('/#/threats');
  await page.getByRole('link', { name: LINK }).focus();
  await page.keyboard.press('Enter');
  await expect(headline).toBeFocused();
  await expect(page).toHaveURL(/#\/support$/);

  await page.goto('/#/checklist');
  await page.getByTestId('open-announce_official_path').click();
  await page.getByRole('link', { name: LINK }).click();
  await expect(headline).toBeFocused();
  await expect(page).toHaveURL(/#\/support$/);
  expect((await mockRecord(page)).cspViolations).toEqual([]);
});

test.describe('the Support screen in dark mode', () => {
  test.use({ colorScheme: 'dark' });
  for (const language of ['en', 'ar'] as const) {
    test(`has no WCAG 2.1 AA violations in ${language}`, async ({ page }) => {
      await openApp(page, 'support', defaultOptions({ language }));
      await expect(page.getByTestId('support-path').getByRole('img')).toHaveCount(3);
      expect(await axeViolations(page)).toEqual([]);
    });
  }
  test('the Threats screen keeps its support link readable', async ({ page }) => {
    await openApp(page, 'threats');
    await expect(page.getByRole('table')).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
  });
});

// ---- Verified support sessions (issue 13) -------------------------------------------------------

type Support = MockOptions['support'];

/** Changes the mocked support state in the page and plays `support-changed`, as Rust would. */
async function setSession(page: Page, session: SessionView | null): Promise<void> {
  await page.evaluate((s) => {
    (window as unknown as { __VERITY_SUPPORT__: Support }).__VERITY_SUPPORT__.session = s;
  }, session);
  await emitEvent(page, 'support-changed');
}

const bound = (language: 'en' | 'ar' = 'en'): MockOptions => ({
  ...defaultOptions({ language }),
  device: fixtures.deviceBound(),
});

test('open → queued → connecting → verified agent → chat with a warning → the code dialog → closed, keyboard only', async ({
  page,
}) => {
  await openApp(page, 'support', bound());
  const form = page.getByTestId('support-open');
  await expect(form).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);

  // The form from the keyboard: a category (arrow keys in the radio group), the message, the code.
  await form.getByRole('radio', { name: 'Account' }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(form.getByRole('radio', { name: 'Login and verification' })).toBeChecked();
  await page.keyboard.press('Tab');
  await page.keyboard.type(supportFixtures.FIRST_MESSAGE);
  await expect(form).toContainText('48 of 4,000 characters');
  await page.keyboard.press('Tab');
  await page.keyboard.type('123456');
  await page.keyboard.press('Enter');

  const queued = page.getByTestId('session-queued');
  await expect(queued).toContainText('Your place in the queue: 2');
  await expect(queued).toContainText('Expected wait: about 3 min');
  await expect(queued).toContainText('You can keep using your computer');
  const open = (await mockRecord(page)).calls.find((c) => c.cmd === 'support_open');
  expect(open?.args).toEqual({
    category: 'login',
    message: supportFixtures.FIRST_MESSAGE,
    totp: '123456',
    passphrase: null,
  });
  expect(await axeViolations(page)).toEqual([]);

  await setSession(page, supportFixtures.connectingSession());
  await expect(page.getByTestId('session-connecting')).toContainText(
    'proving who you are to each other',
  );

  await setSession(page, supportFixtures.chattingSession());
  const card = page.getByTestId('agent-card');
  await expect(card).toContainText('Verified by Acme HK');
  await expect(card).toContainText('Wong Ka Yan');
  await expect(card).toContainText('Accounts and sign-in');
  await expect(card).toContainText(supportFixtures.agentCard().fingerprint);
  const asking = page.getByTestId('chat-message').filter({ hasText: supportFixtures.CODE_REQUEST });
  await expect(asking.locator('.guard')).toHaveText(
    "Real support never asks for a one-time code — even a verified agent. Don't give it.",
  );
  await expect(page.getByRole('img', { name: 'Sending' })).toBeVisible();
  await expect(page.getByText('Wong Ka Yan is typing…')).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);

  // The composer: Shift+Enter is a new line, Enter sends.
  const composer = page.getByLabel('Your message');
  await composer.focus();
  await page.keyboard.type('No, I will not read it.');
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.type('Who are you?');
  await expect(composer).toHaveValue('No, I will not read it.\nWho are you?');
  await page.keyboard.press('Enter');
  await expect(composer).toHaveValue('');
  await expect(page.getByTestId('chat-message').last()).toContainText('Who are you?');
  await expect(
    page.getByTestId('chat-message').last().getByRole('img', { name: 'Sent' }),
  ).toBeVisible();

  // The agent starts a call: the dialog takes the focus and keeps it.
  await setSession(page, supportFixtures.callingSession());
  const dialog = page.getByRole('alertdialog', { name: 'Wong Ka Yan is calling you' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Did the caller say exactly this code?');
  await expect(dialog).toContainText('482 915');
  const yes = dialog.getByRole('button', { name: 'Yes, exactly' });
  const no = dialog.getByRole('button', { name: 'No / different' });
  await expect(yes).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(no).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(yes).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(no).toBeFocused();
  expect(await axeViolations(page)).toEqual([]);
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('code-mismatch')).toHaveText(
    'Hang up. This call is not from support. IT has been told.',
  );
  const answer = (await mockRecord(page)).calls.find((c) => c.cmd === 'support_answer_code');
  expect(answer?.args).toEqual({ callId: 'c-1', matched: false });

  // The agent closes it with a summary.
  await setSession(page, supportFixtures.closedSession());
  const closed = page.getByTestId('session-closed');
  await expect(closed).toContainText('Outcome: Solved');
  await expect(closed).toContainText('Your sign-in was reset.');
  await expect(page.getByLabel('Your message')).toHaveCount(0);
  expect(await axeViolations(page)).toEqual([]);
  await closed.getByRole('button', { name: 'Start a new session' }).click();
  await expect(page.getByTestId('support-open')).toBeVisible();
  expect((await mockRecord(page)).cspViolations).toEqual([]);
});

test('"Yes, exactly" confirms the caller, and "End chat" closes the session', async ({ page }) => {
  const options = bound();
  options.support.session = supportFixtures.callingSession();
  await openApp(page, 'support', options);
  const dialog = page.getByRole('alertdialog');
  await expect(dialog.getByRole('button', { name: 'Yes, exactly' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(
    page.getByText("You confirmed the caller's code: the call is from Wong Ka Yan."),
  ).toBeVisible();
  await page.getByRole('button', { name: 'End chat' }).click();
  await expect(page.getByTestId('session-closed')).toContainText(
    'Outcome: Closed before it was solved',
  );
});

test('a session whose agent did not verify says so, and the connection loss says reconnecting', async ({
  page,
}) => {
  const options = bound();
  options.support.session = supportFixtures.chattingSession({
    problem: 'peer_unverified',
    connected: false,
  });
  await openApp(page, 'support', options);
  await expect(page.getByTestId('session-problem')).toHaveText(
    "This is not your organisation's support: its certificate did not verify. Close the chat and report it.",
  );
  await expect(page.getByText('Connection lost: reconnecting…', { exact: false })).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
});

test.describe('the verified session in Arabic', () => {
  for (const scheme of ['light', 'dark'] as const) {
    test(`is right to left, does not overflow, and passes axe (${scheme})`, async ({ page }) => {
      await page.emulateMedia({ colorScheme: scheme });
      const options = bound('ar');
      options.support.session = supportFixtures.chattingSession();
      await openApp(page, 'support', options);
      await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
      await expect(page.getByTestId('agent-card')).toContainText('موثَّق من Acme HK');
      await expect(page.locator('.guard').first()).toContainText('الدعم الحقيقي لا يطلب أبدًا');
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
      // My messages sit at the end of the line: the left in Arabic.
      const log = await page.getByTestId('chat-log').boundingBox();
      const mine = await page.locator('li.me .bubble').first().boundingBox();
      const theirs = await page.locator('li.peer .bubble').first().boundingBox();
      if (!log || !mine || !theirs) throw new Error('the chat is not laid out');
      expect(mine.x - log.x).toBeLessThan(log.x + log.width - (mine.x + mine.width));
      expect(theirs.x + theirs.width).toBeGreaterThan(mine.x + mine.width);
      expect(await axeViolations(page)).toEqual([]);
    });
  }
});

// ---- Home: "Is support really talking to you?" -----------------------------------------------------

const LIVE: { state: keyof typeof supportFixtures.liveStatus; text: string }[] = [
  {
    state: 'none',
    text: 'No one from support is talking to you. If someone says they are, hang up.',
  },
  { state: 'queued', text: 'Your support request is waiting for an agent.' },
  { state: 'chatting', text: 'You are chatting with Wong Ka Yan (verified).' },
  { state: 'calling', text: 'Wong Ka Yan is calling you now — check the code in Verity.' },
  {
    state: 'cannotCheck',
    text: "Can't check — don't talk to anyone who says they are support.",
  },
];

for (const { state, text } of LIVE) {
  test(`Home says who from support is talking to you: ${state}`, async ({ page }) => {
    const options = defaultOptions();
    options.support.status = supportFixtures.liveStatus[state]();
    await openApp(page, 'home', options);
    const card = page.getByTestId('live-status');
    await expect(card.getByRole('heading', { level: 2 })).toHaveText(
      'Is support really talking to you?',
    );
    await expect(card.getByRole('status')).toHaveText(text);
    if (state === 'cannotCheck')
      await expect(card).toContainText("Verity cannot reach your organisation's desk (offline).");
    expect(await axeViolations(page)).toEqual([]);
  });
}

test('Home follows support-changed', async ({ page }) => {
  await openApp(page, 'home');
  const status = page.getByTestId('live-status').getByRole('status');
  await expect(status).toContainText('No one from support is talking to you');
  await page.evaluate((s) => {
    (window as unknown as { __VERITY_SUPPORT__: Support }).__VERITY_SUPPORT__.status = s;
  }, supportFixtures.liveStatus.calling());
  await emitEvent(page, 'support-changed');
  await expect(status).toHaveText('Wong Ka Yan is calling you now — check the code in Verity.');
});
