import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { applyLanguage } from '../lib/i18n';
import { VERDICTS } from '../lib/ipc';
import type { CheckOutcome, Language, Verdict } from '../lib/ipc';
import { emitHistoryChanged, fail, mockBackend, outcomes } from '../lib/ipc/testing';
import { router } from '../lib/router.svelte';
import Check from './Check.svelte';

const VERDICT_WORDS: Record<Verdict, string> = {
  scam: 'Scam',
  suspicious: 'Suspicious',
  official: 'Official channel',
  no_record: 'No record — not a guarantee of safety',
  invalid: 'Cannot be checked',
};

/** The `no_record` wording the product requires, in every language (not read from the catalogue). */
const NO_RECORD: Record<Language, string> = {
  en: 'No record — not a guarantee of safety',
  'zh-HK': '沒有紀錄 — 不代表安全',
  'zh-CN': '无记录 — 不代表安全',
  ar: 'لا يوجد سجل — وهذا لا يضمن الأمان',
};

function textbox(): HTMLElement {
  return screen.getByRole('textbox', { name: 'Paste a phone number, link or message' });
}

/** Renders the screen with `outcome` as the backend's answer for its input, and checks it. */
async function checkOutcome(outcome: CheckOutcome): Promise<HTMLElement> {
  const backend = mockBackend();
  backend.outcomes.set(outcome.input, outcome);
  render(Check);
  // By role only, so that this works in every language.
  await userEvent.click(screen.getByRole('textbox'));
  await userEvent.paste(outcome.input);
  const submit = document.querySelector<HTMLButtonElement>('button[type="submit"]');
  if (!submit) throw new Error('no submit button');
  await userEvent.click(submit);
  const status = screen.getByRole('status');
  await waitFor(() => expect(status.querySelector('.banner')).not.toBeNull());
  return status;
}

function banner(): HTMLElement {
  const element = screen.getByRole('status').querySelector<HTMLElement>('.banner');
  if (!element) throw new Error('no verdict banner');
  return element;
}

describe('Check', () => {
  it('offers one labelled box, a kind choice and a Check button that needs input', async () => {
    mockBackend();
    render(Check);
    expect(screen.getByRole('heading', { level: 1, name: 'Check' })).toBeInTheDocument();
    expect(textbox()).toHaveAccessibleDescription('Press Ctrl+Enter to check.');

    const group = screen.getByRole('group', { name: 'Check as' });
    expect(
      within(group)
        .getAllByRole('radio')
        .map((r) => r.parentElement?.textContent?.trim()),
    ).toEqual(['Detect automatically', 'Phone number', 'Link', 'Message']);
    expect(within(group).getByRole('radio', { name: 'Detect automatically' })).toBeChecked();

    const submit = screen.getByRole('button', { name: 'Check' });
    expect(submit).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Clear' })).toBeDisabled();
    await userEvent.type(textbox(), '   ');
    expect(submit).toBeDisabled();
    await userEvent.type(textbox(), '2345 6789');
    expect(submit).toBeEnabled();
    expect(screen.getByRole('status')).toBeEmptyDOMElement();
  });

  it.each(VERDICTS)('words the %s verdict with its text, tone and icon', async (verdict) => {
    const status = await checkOutcome(outcomes.byVerdict[verdict]());
    const heading = within(status).getByRole('heading', { level: 2 });
    expect(heading).toHaveTextContent(VERDICT_WORDS[verdict]);
    expect(banner()).toHaveClass(`verdict-${verdict}`);
    expect(banner().querySelector('svg')).toHaveAttribute('data-verdict', verdict);
    expect(banner().querySelector('svg')).toHaveAttribute('aria-hidden', 'true');
    for (const other of VERDICTS.filter((v) => v !== verdict))
      expect(banner()).not.toHaveClass(`verdict-${other}`);
  });

  it.each(Object.entries(NO_RECORD))(
    'never words no record as safe in %s',
    async (language, wording) => {
      applyLanguage(language as Language);
      const status = await checkOutcome(outcomes.unknownPhone());
      expect(within(status).getByRole('heading', { level: 2 })).toHaveTextContent(wording);
      expect(banner()).toHaveClass('verdict-no_record');
      expect(banner()).not.toHaveClass('verdict-official');
    },
  );

  it('shows the standard form, reasons, matched entry and advice of a listed number', async () => {
    const status = await checkOutcome(outcomes.scamPhone());
    expect(within(status).getByText('Phone number')).toBeInTheDocument();
    const normalized = within(status).getByText('+85223456789');
    expect(normalized.tagName).toBe('BDI');
    expect(normalized).toHaveAttribute('dir', 'ltr');

    const reasons = screen.getByRole('region', { name: 'Why' });
    expect(reasons).toHaveTextContent("It is on your organisation's blocklist of known scams.");
    const evidence = within(reasons).getByText('+85223456789');
    expect(evidence.tagName).toBe('BDI');
    expect(evidence).toHaveClass('evidence');

    const matches = screen.getByRole('region', { name: 'Matching blocklist entries' });
    const match = outcomes.listedPhone();
    const field = (name: string): HTMLElement | null | undefined =>
      within(matches).getByText(name).nextElementSibling as HTMLElement | null;
    expect(field('Type')).toHaveTextContent('Phone number');
    expect(field('Entry')?.querySelector('bdi[dir="ltr"]')).toHaveTextContent(match.value);
    expect(field('Category')).toHaveTextContent('Fake customer service');
    expect(field('Campaign')).toHaveTextContent('Fake DingTalk hotline');
    expect(field('Source')).toHaveTextContent('Verity sample list');
    const added = new Intl.DateTimeFormat('en', { dateStyle: 'medium' }).format(
      new Date(match.added * 1000),
    );
    expect(field('Added')).toHaveTextContent(added);
    expect(field('Added')?.querySelector('time')).toHaveAttribute('datetime', '2026-03-02');

    const advice = screen.getByRole('region', { name: 'What to do' });
    expect(
      within(advice)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual([
      'Hang up and do not call back.',
      'Delete this number wherever it is saved: phone contacts, spreadsheets, chat groups.',
      'For help, use only the path inside the app: My → Help & Feedback → Contact Support.',
      'Report it to your IT or admin team.',
    ]);
  });

  it('formats the date an entry was added in the current language', async () => {
    applyLanguage('zh-HK');
    await checkOutcome(outcomes.scamPhone());
    const matches = screen.getByRole('region', { name: '相符的封鎖名單項目' });
    const expected = new Intl.DateTimeFormat('zh-HK', { dateStyle: 'medium' }).format(
      new Date(outcomes.ADDED * 1000),
    );
    expect(within(matches).getByText('加入日期').nextElementSibling).toHaveTextContent(expected);
    expect(within(matches).getByText('假冒客服')).toBeInTheDocument();
  });

  it('lists each number and link of a message with its own verdict and reasons', async () => {
    const status = await checkOutcome(outcomes.scamMessage());
    expect(within(status).getByText('Message')).toBeInTheDocument();
    expect(within(status).getByText('Numbers and links found: 2')).toBeInTheDocument();
    expect(
      within(screen.getByRole('region', { name: 'Why' })).getByText('frozen, today, now'),
    ).toHaveClass('evidence');

    const items = within(screen.getByRole('region', { name: 'In this message' })).getAllByRole(
      'listitem',
    );
    const cards = items.filter((li) => li.classList.contains('item'));
    expect(cards).toHaveLength(2);

    const [phone, link] = cards as [HTMLElement, HTMLElement];
    expect(phone.querySelector('.badge')).toHaveClass('verdict-scam');
    expect(phone.querySelector('.badge')).toHaveTextContent('Scam');
    expect(phone.querySelector('.item-value')).toHaveTextContent('+85223456789');
    expect(phone.querySelector('.item-value')).toHaveAttribute('dir', 'ltr');
    expect(phone).toHaveTextContent(
      'A phone number is presented as DingTalk customer service. DingTalk publishes no customer service number in Hong Kong.',
    );

    expect(link.querySelector('.badge')).toHaveClass('verdict-suspicious');
    expect(link.querySelector('.badge')).toHaveTextContent('Suspicious');
    expect(within(link).getByText('http://dingtalk-support.xyz/login')).toHaveAttribute(
      'dir',
      'ltr',
    );
    expect(link).toHaveTextContent('The official name is padded with extra words');
    expect(within(link).getByText('dingtalk.com')).toHaveClass('evidence');
  });

  it('says so when a message holds no number or link', async () => {
    await checkOutcome({
      input: 'See you at lunch',
      kind: 'text',
      normalized: null,
      verdict: 'no_record',
      reasons: [{ code: 'no_record', detail: null }],
      matches: [],
      advice: ['stay_cautious', 'use_in_app_support'],
      items: [],
    });
    expect(
      within(screen.getByRole('region', { name: 'In this message' })).getByText(
        'No phone numbers or links were found in this message.',
      ),
    ).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Matching blocklist entries' })).toBeNull();
  });

  it('sends the chosen kind, or none to let the backend detect it', async () => {
    const backend = mockBackend();
    render(Check);
    await userEvent.type(textbox(), 'example.com');
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    await userEvent.click(screen.getByRole('radio', { name: 'Link' }));
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    await userEvent.click(screen.getByRole('radio', { name: 'Message' }));
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    await userEvent.click(screen.getByRole('radio', { name: 'Phone number' }));
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    await waitFor(() => expect(backend.callsTo('check')).toHaveLength(4));
    expect(backend.callsTo('check').map((c) => c.args)).toEqual([
      { input: 'example.com', kind: null, remember: true },
      { input: 'example.com', kind: 'url', remember: true },
      { input: 'example.com', kind: 'text', remember: true },
      { input: 'example.com', kind: 'phone', remember: true },
    ]);
  });

  it('checks with Ctrl+Enter or Cmd+Enter, while Enter alone starts a new line', async () => {
    const backend = mockBackend();
    render(Check);
    await userEvent.type(textbox(), 'Call 2345 6789{Enter}now');
    expect(textbox()).toHaveValue('Call 2345 6789\nnow');
    expect(backend.callsTo('check')).toHaveLength(0);

    await userEvent.keyboard('{Control>}{Enter}{/Control}');
    await waitFor(() => expect(backend.callsTo('check')).toHaveLength(1));
    expect(backend.callsTo('check')[0]?.args).toEqual({
      input: 'Call 2345 6789\nnow',
      kind: null,
      remember: true,
    });
    expect(textbox()).toHaveValue('Call 2345 6789\nnow');
    expect(
      await within(screen.getByRole('status')).findByRole('heading', { level: 2 }),
    ).toHaveTextContent(VERDICT_WORDS.no_record);

    await userEvent.keyboard('{Meta>}{Enter}{/Meta}');
    await waitFor(() => expect(backend.callsTo('check')).toHaveLength(2));
  });

  it('asks for input instead of checking nothing', async () => {
    const backend = mockBackend();
    render(Check);
    await userEvent.click(textbox());
    await userEvent.keyboard('{Control>}{Enter}{/Control}');
    expect(await screen.findByText('Paste or type something to check first.')).toBeInTheDocument();
    expect(textbox()).toHaveAccessibleDescription(
      'Press Ctrl+Enter to check. Paste or type something to check first.',
    );
    expect(backend.callsTo('check')).toHaveLength(0);
    await userEvent.type(textbox(), '1');
    expect(screen.queryByText('Paste or type something to check first.')).toBeNull();
  });

  it('explains a backend failure by its code and can retry', async () => {
    const backend = mockBackend();
    backend.on('check', () => fail({ code: 'store_busy', message: 'database is locked' }));
    render(Check);
    await userEvent.type(textbox(), '2345 6789');
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveAttribute('data-code', 'store_busy');
    expect(alert).toHaveTextContent('The check could not be completed.');
    expect(alert).toHaveTextContent("Verity's database is busy. Try again in a moment.");
    expect(alert).toHaveTextContent('database is locked');
    expect(screen.getByRole('status')).toBeEmptyDOMElement();

    backend.on('check', () => outcomes.scamPhone());
    await userEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('heading', { level: 2, name: 'Scam' })).toBeInTheDocument();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('words framework failures as internal errors', async () => {
    const backend = mockBackend();
    backend.on('check', () => fail('check not allowed by ACL'));
    render(Check);
    await userEvent.type(textbox(), 'x');
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Something went wrong inside Verity.',
    );
  });

  it('clears the box and the result, and returns to the box', async () => {
    await checkOutcome(outcomes.scamPhone());
    await userEvent.click(screen.getByRole('button', { name: 'Clear' }));
    expect(textbox()).toHaveValue('');
    expect(textbox()).toHaveFocus();
    expect(screen.getByRole('status')).toBeEmptyDOMElement();
    expect(screen.queryByRole('region', { name: 'What to do' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Check' })).toBeDisabled();
  });

  it('shows only the answer to the latest check', async () => {
    const backend = mockBackend();
    let release: (value: CheckOutcome) => void = () => undefined;
    backend.on('check', (args) =>
      args.input === 'slow'
        ? new Promise<CheckOutcome>((resolve) => (release = resolve))
        : outcomes.officialLink(),
    );
    render(Check);
    await userEvent.type(textbox(), 'slow');
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    await userEvent.clear(textbox());
    await userEvent.type(textbox(), 'fast');
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    expect(
      await within(screen.getByRole('status')).findByRole('heading', { level: 2 }),
    ).toHaveTextContent('Official channel');
    release(outcomes.scamPhone());
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(within(screen.getByRole('status')).getByRole('heading', { level: 2 })).toHaveTextContent(
      'Official channel',
    );
  });

  it('links to the safe support path', async () => {
    await checkOutcome(outcomes.scamPhone());
    await userEvent.click(screen.getByRole('link', { name: 'How to reach real DingTalk support' }));
    expect(router.current).toBe('support');
    expect(window.location.hash).toBe('#/support');
  });

  it('offers real support on every scam or suspicious verdict, and opens it from the keyboard', async () => {
    // A suspicious link whose advice does not name the in-app path still offers it.
    await checkOutcome({ ...outcomes.suspiciousLink(), advice: [] });
    const link = screen.getByRole('link', { name: 'How to reach real DingTalk support' });
    expect(link).toHaveAttribute('href', '#/support');
    link.focus();
    await userEvent.keyboard('{Enter}');
    expect(router.current).toBe('support');
    router.go('check');
  });

  it('does not offer the support path on an official verdict', async () => {
    await checkOutcome(outcomes.officialLink());
    expect(screen.queryByRole('link', { name: /real DingTalk support/ })).toBeNull();
  });
});

describe('Recent checks', () => {
  function history(): HTMLElement {
    return screen.getByRole('region', { name: 'Recent checks' });
  }

  async function checkText(text: string): Promise<void> {
    await userEvent.clear(textbox());
    await userEvent.type(textbox(), text);
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    await waitFor(() => expect(banner()).toBeInTheDocument());
  }

  it('says when there is nothing yet', async () => {
    mockBackend();
    render(Check);
    expect(await within(history()).findByText(/No recent checks yet/)).toBeInTheDocument();
    expect(within(history()).queryByRole('button', { name: 'Clear history' })).toBeNull();
  });

  it('lists each check with its verdict in words, what was checked and when', async () => {
    const backend = mockBackend();
    backend.outcomes.set('2345 6789', outcomes.scamPhone());
    backend.outcomes.set(outcomes.suspiciousLink().input, outcomes.suspiciousLink());
    render(Check);
    await checkText('2345 6789');
    await checkText(outcomes.suspiciousLink().input);
    const rows = await within(history()).findAllByRole('button', { name: /^Check again/ });
    expect(rows).toHaveLength(2);
    // Newest first; the verdict in words next to its icon, never colour alone.
    expect(rows[0]).toHaveTextContent('Suspicious');
    expect(rows[0]).toHaveTextContent('http://dingtalk-support.xyz/login');
    expect(rows[0]?.querySelector('svg[data-verdict="suspicious"]')).not.toBeNull();
    expect(rows[1]).toHaveTextContent('Scam');
    expect(rows[1]).toHaveTextContent('Phone number');
    expect(rows[1]).toHaveTextContent('+85223456789');
    expect(rows[1]?.querySelector('time')).toHaveTextContent(/ago|now/);
  });

  it('shows a clipboard check (tray or shortcut) made while the list is open', async () => {
    const backend = mockBackend();
    render(Check);
    expect(await within(history()).findByText(/No recent checks yet/)).toBeInTheDocument();
    // The backend recorded a check of the clipboard, then says so.
    backend.history = outcomes.recordInHistory(backend.history, outcomes.scamPhone());
    await emitHistoryChanged();
    const row = await within(history()).findByRole('button', { name: /^Check again/ });
    expect(row).toHaveTextContent('+85223456789');
  });

  it('keeps the newest list when an older load answers last', async () => {
    const backend = mockBackend();
    let answerFirst: (list: unknown[]) => void = () => undefined;
    let calls = 0;
    backend.on('check_history', () => {
      calls += 1;
      // The first load (at render) answers late, with the history as it was then: empty.
      if (calls === 1) return new Promise((resolve) => (answerFirst = resolve));
      return outcomes.recordInHistory([], outcomes.scamPhone());
    });
    render(Check);
    await emitHistoryChanged();
    const row = await within(history()).findByRole('button', { name: /^Check again/ });
    answerFirst([]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(row).toBeInTheDocument();
    expect(within(history()).queryByText(/No recent checks yet/)).toBeNull();
  });

  it('checks a recent item again when its row is activated from the keyboard', async () => {
    const backend = mockBackend();
    backend.outcomes.set('2345 6789', outcomes.scamPhone());
    render(Check);
    await checkText('2345 6789');
    backend.outcomes.set('+85223456789', { ...outcomes.scamPhone(), input: '+85223456789' });
    await userEvent.click(screen.getByRole('button', { name: 'Clear' }));
    const row = await within(history()).findByRole('button', { name: /^Check again/ });
    row.focus();
    await userEvent.keyboard('{Enter}');
    await waitFor(() => expect(textbox()).toHaveValue('+85223456789'));
    await waitFor(() => expect(banner()).toHaveAttribute('data-verdict', 'scam'));
    const call = backend.callsTo('check').at(-1);
    // Checked again, not recorded again: the history keeps its first verdict.
    expect(call?.args).toEqual({ input: '+85223456789', kind: 'phone', remember: false });
  });

  it('clears the history only after a confirmation, keyboard first', async () => {
    const backend = mockBackend();
    render(Check);
    await checkText('9123 4567');
    const clear = await within(history()).findByRole('button', { name: 'Clear history' });
    await userEvent.click(clear);
    // The safe choice has the focus; Escape backs out and nothing is deleted.
    const cancel = within(history()).getByRole('button', { name: 'Cancel' });
    expect(cancel).toHaveFocus();
    expect(within(history()).getByRole('group')).toHaveAccessibleName(
      /Delete all recent checks from this computer/,
    );
    await userEvent.keyboard('{Escape}');
    expect(within(history()).getByRole('button', { name: 'Clear history' })).toHaveFocus();
    expect(backend.callsTo('clear_check_history')).toHaveLength(0);

    await userEvent.keyboard('{Enter}');
    await userEvent.click(within(history()).getByRole('button', { name: 'Delete history' }));
    expect(await within(history()).findByText(/No recent checks yet/)).toBeInTheDocument();
    expect(backend.callsTo('clear_check_history')).toHaveLength(1);
    expect(backend.history).toEqual([]);
    expect(within(history()).getByText('History cleared.')).toBeInTheDocument();
    expect(within(history()).getByRole('heading', { name: 'Recent checks' })).toHaveFocus();
  });

  it('keeps the check working when the history cannot be read', async () => {
    const backend = mockBackend();
    backend.on('check_history', () => fail({ code: 'store', message: 'disk full' }));
    render(Check);
    expect(
      await within(history()).findByText('The recent checks could not be loaded or cleared.'),
    ).toBeInTheDocument();
    await checkText('9123 4567');
    expect(banner()).toHaveAttribute('data-verdict', 'no_record');
  });

  it('is worded in Arabic, right to left', async () => {
    applyLanguage('ar');
    try {
      mockBackend({ language: 'ar' });
      render(Check);
      const region = await screen.findByRole('region', { name: 'عمليات التحقق الأخيرة' });
      expect(await within(region).findByText(/لا توجد عمليات تحقق حديثة/)).toBeInTheDocument();
    } finally {
      applyLanguage('en');
    }
  });
});
