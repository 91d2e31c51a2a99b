import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { LANGUAGES, applyLanguage } from '../lib/i18n';
import { catalogues } from '../lib/i18n/all';
import type { Language } from '../lib/ipc';
import { deviceBound } from '../lib/ipc/fixtures';
import { emitSupportChanged, supportFixtures } from '../lib/ipc/support-testing';
import { mockBackend, type Backend } from '../lib/ipc/testing';
import Support from './Support.svelte';

/** The headline and the session's line, typed here (not read from the catalogue) per language. */
const WORDS: Record<Language, { headline: string; steps: string[]; session: string }> = {
  en: {
    headline: 'Real support is only inside DingTalk',
    steps: ['Open “My”', 'Tap “Help & Feedback”', 'Tap “Contact Support”'],
    session:
      'This computer is not bound to your organisation yet, so Verity cannot prove it is you.',
  },
  'zh-HK': {
    headline: '真正的客服只在釘釘 App 內',
    steps: ['開啟「我的」', '點選「幫助與反饋」', '點選「聯絡客服」'],
    session: '這部電腦尚未綁定到你的機構，因此 Verity 無法證明是你本人。',
  },
  'zh-CN': {
    headline: '真正的客服只在钉钉 App 内',
    steps: ['打开“我的”', '点击“帮助与反馈”', '点击“联系客服”'],
    session: '这台电脑尚未绑定到你的组织，因此 Verity 无法证明是你本人。',
  },
  ar: {
    headline: 'الدعم الحقيقي موجود داخل DingTalk فقط',
    steps: ['افتح «حسابي»', 'اضغط «المساعدة والملاحظات»', 'اضغط «التواصل مع الدعم»'],
    session: 'هذا الحاسوب غير مربوط بمؤسستك بعد، لذا لا يستطيع Verity إثبات أنك أنت.',
  },
};

function section(name: string): HTMLElement {
  return screen.getByRole('region', { name });
}

describe('Support', () => {
  let backend: Backend;
  beforeEach(() => {
    backend = mockBackend();
  });

  it('leads with the headline, what to do on a call, and that no number online is support', () => {
    render(Support);
    expect(
      screen.getByRole('heading', { level: 1, name: 'Real support is only inside DingTalk' }),
    ).toBeInTheDocument();
    expect(screen.getByText(/No phone number found online is DingTalk support/)).toBeVisible();
    const now = section('On a call right now?');
    expect(now).toHaveTextContent('Hang up, then open DingTalk yourself');
    expect(now).toHaveTextContent('Do not call back');
    expect(now).toHaveTextContent(
      'Anyone who calls you, or gives you a number to call, is not DingTalk support.',
    );
  });

  it('draws the official path as three numbered steps in order: My, Help & Feedback, Contact Support', () => {
    render(Support);
    const path = section('The one official support path');
    const list = within(path).getByRole('list');
    expect(list.tagName).toBe('OL');
    const steps = within(list).getAllByRole('listitem');
    expect(steps.map((s) => s.getAttribute('data-step'))).toEqual(['1', '2', '3']);
    steps.forEach((step, i) => {
      expect(step).toHaveTextContent(WORDS.en.steps[i] ?? '');
      expect(
        within(step).getByRole('img', { name: `Drawing of the DingTalk app, step ${i + 1} of 3` }),
      ).toBeInTheDocument();
    });
    // The arrows between steps are decoration; the list order carries the sequence.
    expect(path.querySelectorAll('.connector')).toHaveLength(2);
    for (const arrow of path.querySelectorAll('.connector'))
      expect(arrow).toHaveAttribute('aria-hidden', 'true');
  });

  it('lists what real support never does: codes, remote access, payment, phone numbers', () => {
    render(Support);
    const never = section('What real support never does');
    const items = within(never)
      .getAllByRole('listitem')
      .map((li) => li.textContent?.trim());
    expect(items).toEqual([
      'Ask for a verification code or your password.',
      'Ask for remote access: screen sharing, or a remote-control app such as AnyDesk or TeamViewer.',
      'Ask you to pay: fees, “upgrades” or transfers.',
      'Ask you to call a number, or call you from a number found in an ad.',
    ]);
    expect(never).toHaveTextContent(
      'Report any such call, message or link to the IT or admin team',
    );
  });

  it('without a binding, explains why no session can be opened and leads to the Device screen', async () => {
    render(Support);
    const session = section('Open a verified session');
    await waitFor(() => expect(session).toHaveTextContent(WORDS.en.session));
    expect(within(session).getByRole('link', { name: 'Go to the Device screen' })).toHaveAttribute(
      'href',
      '#/device',
    );
    expect(within(session).queryAllByRole('textbox')).toEqual([]);
  });

  it('opens a session with a category, a first message and the 6-digit code', async () => {
    backend.device = deviceBound();
    const user = userEvent.setup();
    render(Support);
    const form = await screen.findByTestId('support-open');
    expect(within(form).queryByLabelText('Passphrase of the device key file')).toBeNull();
    await user.click(within(form).getByRole('radio', { name: 'Billing' }));
    await user.type(within(form).getByLabelText('Your first message'), 'My invoice is wrong');
    expect(form).toHaveTextContent('19 of 4,000 characters');
    await user.type(within(form).getByLabelText(/authenticator/), '12345');
    await user.click(within(form).getByRole('button', { name: 'Open' }));
    expect(form).toHaveTextContent('Type the 6 digits your authenticator app shows.');
    expect(backend.callsTo('support_open')).toEqual([]);
    await user.type(within(form).getByLabelText(/authenticator/), '6');
    await user.click(within(form).getByRole('button', { name: 'Open' }));
    const queued = await screen.findByTestId('session-queued');
    expect(queued).toHaveTextContent('Your place in the queue: 2');
    expect(queued).toHaveTextContent('Expected wait: about 3 min');
    expect(queued).toHaveTextContent('You can keep using your computer.');
    expect(backend.callsTo('support_open')[0]?.args).toEqual({
      category: 'billing',
      message: 'My invoice is wrong',
      totp: '123456',
      passphrase: null,
    });
  });

  it('asks for the passphrase when the device key is in a passphrase file', async () => {
    backend.device = deviceBound({ keyStore: 'file' });
    render(Support);
    expect(await screen.findByLabelText('Passphrase of the device key file')).toHaveAttribute(
      'type',
      'password',
    );
  });

  it("shows the agent's verified card, warns beside a message asking for a code, and asks about the call's code", async () => {
    backend.device = deviceBound();
    backend.support.session = supportFixtures.callingSession();
    const user = userEvent.setup();
    render(Support);
    const dialog = await screen.findByRole('alertdialog', { name: 'Wong Ka Yan is calling you' });
    expect(dialog).toHaveTextContent('Did the caller say exactly this code?');
    expect(dialog).toHaveTextContent('482 915');
    expect(within(dialog).getByRole('button', { name: 'Yes, exactly' })).toHaveFocus();
    const card = screen.getByTestId('agent-card');
    expect(card).toHaveTextContent('Verified by Acme HK');
    expect(card).toHaveTextContent('Accounts and sign-in');
    expect(card).toHaveTextContent('certificate signed by your organisation');
    const warning = screen.getByText(
      "Real support never asks for a one-time code — even a verified agent. Don't give it.",
    );
    expect(warning.closest('li')).toHaveTextContent(supportFixtures.CODE_REQUEST);
    expect(screen.getByRole('img', { name: 'Sending' })).toBeInTheDocument();
    expect(screen.getAllByRole('img', { name: 'Delivered' })).toHaveLength(1);

    await user.click(within(dialog).getByRole('button', { name: 'No / different' }));
    expect(await screen.findByTestId('code-mismatch')).toHaveTextContent(
      'Hang up. This call is not from support. IT has been told.',
    );
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(backend.callsTo('support_answer_code')[0]?.args).toEqual({
      callId: 'c-1',
      matched: false,
    });
  });

  it('sends with Enter, keeps Shift+Enter as a new line, and closes with a summary', async () => {
    backend.device = deviceBound();
    backend.support.session = supportFixtures.chattingSession();
    const user = userEvent.setup();
    render(Support);
    const composer = await screen.findByLabelText('Your message');
    expect(screen.getByText('Wong Ka Yan is typing…')).toBeInTheDocument();
    await user.type(composer, 'first line{Shift>}{Enter}{/Shift}second');
    expect(composer).toHaveValue('first line\nsecond');
    await user.keyboard('{Enter}');
    await waitFor(() => expect(composer).toHaveValue(''));
    expect(backend.callsTo('support_send')[0]?.args).toEqual({ text: 'first line\nsecond' });

    await user.click(screen.getByRole('button', { name: 'End chat' }));
    const closed = await screen.findByTestId('session-closed');
    expect(closed).toHaveTextContent('Outcome: Closed before it was solved');
    await user.click(within(closed).getByRole('button', { name: 'Start a new session' }));
    expect(await screen.findByTestId('support-open')).toBeInTheDocument();
  });

  it.each(LANGUAGES.map((l) => [l.code, l.dir] as const))(
    'is fully worded in %s, in its direction (%s)',
    async (language, dir) => {
      applyLanguage(language);
      const { container } = render(Support);
      await waitFor(() => expect(container).toHaveTextContent(WORDS[language].session));
      expect(document.documentElement).toHaveAttribute('lang', language);
      expect(document.documentElement).toHaveAttribute('dir', dir);
      const words = WORDS[language];
      expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent(words.headline);
      const steps = within(container.querySelector('ol') as HTMLElement).getAllByRole('listitem');
      expect(steps.map((s) => s.querySelector('.caption')?.textContent)).toEqual(words.steps);
      expect(screen.getAllByRole('img')).toHaveLength(3);
      expect(container).toHaveTextContent(words.session);
      // Four sections with headings, four "never" items, every string from this language.
      expect(screen.getAllByRole('heading', { level: 2 })).toHaveLength(4);
      for (const key of [
        'support.lead',
        'support.now.title',
        'support.now.hang_up',
        'support.now.not_theirs',
        'support.never.title',
        'support.never.code',
        'support.never.remote',
        'support.never.payment',
        'support.never.call',
        'support.open.title',
        'support.open.toDevice',
        'announcement.path_heading',
        'cl.path.intro',
        'cl.path.never',
        'announcement.rule.report',
      ]) {
        const text = catalogues[language][key];
        expect(text, `${language} ${key}`).toBeTruthy();
        expect(container, `${language} ${key}`).toHaveTextContent(text ?? '');
      }
      // No key shown in place of a missing string.
      expect(container.textContent).not.toMatch(
        /\b(?:support|support_step|cl|announcement)\.[a-z_]+/,
      );
    },
  );

  it('keeps the call that arrived while a message was sending, though the send answers later with an older view', async () => {
    backend.device = deviceBound();
    backend.support.session = supportFixtures.chattingSession();
    // The agent's call reaches the page before the send's answer, which Rust built before it.
    let answered = false;
    backend.on('support_send', async () => {
      const answer = structuredClone(backend.support.session);
      backend.support.session = supportFixtures.callingSession();
      await emitSupportChanged();
      await new Promise((resolve) => setTimeout(resolve, 50));
      answered = true;
      return answer;
    });
    const user = userEvent.setup();
    render(Support);
    await user.type(await screen.findByLabelText('Your message'), 'Hello?{Enter}');
    await waitFor(() => expect(answered).toBe(true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(
      await screen.findByRole(
        'alertdialog',
        { name: 'Wong Ka Yan is calling you' },
        { timeout: 200 },
      ),
    ).toHaveTextContent('482 915');
  });
});
