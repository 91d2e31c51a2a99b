import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { formatDateTime } from '../feed/words';
import { applyLanguage } from '../i18n';
import { fail, mockBackend } from '../ipc/testing';
import { emitTripwireRaised, tripwireFixtures } from '../ipc/tripwire-testing';
import type { IpcError } from '../ipc';
import TripwireEvents from './TripwireEvents.svelte';

const TITLE = 'Warning signs on this computer';

describe("the Threats screen's warning signs", () => {
  it('list each event in words with its local date and time, newest first', async () => {
    mockBackend();
    render(TripwireEvents);
    const section = screen.getByRole('region', { name: TITLE });
    const list = await within(section).findByRole('list', { name: TITLE });
    const items = within(list).getAllByRole('listitem');
    const events = tripwireFixtures.tripwireEvents();
    expect(items.map((li) => li.querySelector('.text')?.textContent)).toEqual([
      'A one-time code was copied',
      'AnyDesk was running',
      'AnyDesk installer downloaded',
    ]);
    const time = items[1]?.querySelector('time');
    expect(time).toHaveTextContent(formatDateTime(events[1]?.at ?? 0));
    expect(time).toHaveAttribute('datetime', new Date((events[1]?.at ?? 0) * 1000).toISOString());
    // Only the reported event says so; the others offer to report it, naming the event.
    expect(within(list).getAllByText('Sent to IT')).toHaveLength(1);
    expect(items[2]).toHaveTextContent('Sent to IT');
    expect(within(items[2] as HTMLElement).queryByRole('button')).toBeNull();
    expect(
      within(section)
        .getAllByRole('button')
        .map((b) => b.textContent?.trim()),
    ).toEqual(['Report to IT', 'Report to IT']);
    expect(
      within(items[1] as HTMLElement).getByRole('button', {
        name: 'Report to IT AnyDesk was running',
      }),
    ).toHaveAttribute('aria-expanded', 'false');
  });

  it('word an event without a tool name', async () => {
    const backend = mockBackend();
    backend.tripwires.events = [
      { id: 9, at: 1_772_424_000, kind: 'remote_tool', tool: null, reportedAt: null },
      { id: 8, at: 1_772_420_000, kind: 'installer', tool: null, reportedAt: null },
    ];
    render(TripwireEvents);
    expect(await screen.findByText('A remote-access program was running')).toBeInTheDocument();
    expect(screen.getByText('A remote-access installer was downloaded')).toBeInTheDocument();
  });

  it('say when there is none, and reload when a tripwire records one', async () => {
    const backend = mockBackend();
    backend.tripwires.events = [];
    render(TripwireEvents);
    expect(await screen.findByText('No warning signs so far.')).toBeInTheDocument();
    expect(screen.queryByRole('list')).toBeNull();

    backend.tripwires.events = [
      { id: 1, at: 1_772_424_000, kind: 'remote_tool', tool: 'RustDesk', reportedAt: null },
    ];
    await waitFor(async () => {
      await emitTripwireRaised();
      expect(screen.getByText('RustDesk was running')).toBeInTheDocument();
    });
    expect(screen.queryByText('No warning signs so far.')).toBeNull();
  });

  it('word a failure and retry', async () => {
    const backend = mockBackend();
    backend.on('tripwire_events', () => fail({ code: 'store', message: 'disk' }));
    render(TripwireEvents);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The warning signs could not be loaded.');
    expect(alert).toHaveTextContent('Verity could not read or write its database.');
    backend.on('tripwire_events', () => tripwireFixtures.tripwireEvents());
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('AnyDesk was running')).toBeInTheDocument();
  });

  it.each([
    ['zh-HK', ['曾複製一次性驗證碼', 'AnyDesk 曾在執行', '已下載 AnyDesk 安裝檔'], '已通知 IT'],
    ['zh-CN', ['曾复制一次性验证码', 'AnyDesk 曾在运行', '已下载 AnyDesk 安装包'], '已报告给 IT'],
    [
      'ar',
      ['نُسخ رمز لمرة واحدة', 'كان AnyDesk قيد التشغيل', 'نُزِّل ملف تثبيت AnyDesk'],
      'أُرسل إلى قسم تقنية المعلومات',
    ],
  ] as const)('read in %s', async (language, texts, reported) => {
    mockBackend();
    applyLanguage(language);
    render(TripwireEvents);
    const list = await screen.findByRole('list');
    expect(
      within(list)
        .getAllByRole('listitem')
        .map((li) => li.querySelector('.text')?.textContent),
    ).toEqual(texts);
    expect(within(list).getByText(reported)).toBeInTheDocument();
  });
});

describe('"Report to IT" on a warning sign', () => {
  const ANYDESK = 'Report to IT AnyDesk was running';
  const FORM = 'Report “AnyDesk was running” to IT';
  const NOTE = 'What happened? (optional)';
  const PASSPHRASE = 'Passphrase of the device key file';

  async function openForm(): Promise<HTMLElement> {
    render(TripwireEvents);
    await userEvent.click(await screen.findByRole('button', { name: ANYDESK }));
    return screen.getByRole('form', { name: FORM });
  }

  const reportCalls = (backend: ReturnType<typeof mockBackend>) =>
    backend.calls.filter((c) => c.cmd === 'report_tripwire').map((c) => c.args);

  it('sends the event with a note, then says so and marks the row sent', async () => {
    const backend = mockBackend();
    const form = await openForm();
    const note = within(form).getByRole('textbox', { name: NOTE });
    expect(note).toHaveFocus();
    expect(note).toHaveAccessibleDescription(
      'For example who called and what they asked. Never write a code or a password here. 0 of 1000 characters',
    );
    expect(screen.getByRole('button', { name: ANYDESK })).toHaveAttribute('aria-expanded', 'true');
    await userEvent.type(note, 'A man from "DingTalk support" asked me to open AnyDesk');
    expect(within(form).getByText('54 of 1000 characters')).toBeInTheDocument();
    await userEvent.click(within(form).getByRole('button', { name: 'Send' }));

    expect(reportCalls(backend)).toEqual([
      { id: 2, note: 'A man from "DingTalk support" asked me to open AnyDesk', passphrase: null },
    ]);
    const status = await screen.findByText('Sent to IT: AnyDesk was running.');
    expect(status).toHaveAttribute('role', 'status');
    expect(screen.queryByRole('form')).toBeNull();
    expect(screen.queryByRole('button', { name: ANYDESK })).toBeNull();
    const row = screen.getAllByRole('listitem')[1] as HTMLElement;
    const badge = within(row).getByText('Sent to IT');
    expect(badge).toHaveFocus();
    expect(screen.getAllByText('Sent to IT')).toHaveLength(2);
  });

  it('shows "Sending…" while the report is on its way, and cannot be sent twice', async () => {
    const backend = mockBackend();
    let answer: (value: unknown) => void = () => undefined;
    backend.on('report_tripwire', () => new Promise((resolve) => (answer = resolve)));
    const form = await openForm();
    const send = within(form).getByRole('button', { name: 'Send' });
    await userEvent.click(send);
    expect(send).toHaveTextContent('Sending…');
    expect(send).toHaveAttribute('aria-disabled', 'true');
    expect(within(form).getByRole('status')).toHaveTextContent('Sending the report to IT…');
    await userEvent.click(send);
    expect(reportCalls(backend)).toHaveLength(1);
    answer({ ...tripwireFixtures.tripwireEvents()[1], reportedAt: tripwireFixtures.REPORTED_AT });
    expect(await screen.findByText('Sent to IT: AnyDesk was running.')).toBeInTheDocument();
  });

  it('closes on Cancel and on Escape, focus back on its button, nothing sent', async () => {
    const backend = mockBackend();
    const form = await openForm();
    await userEvent.type(within(form).getByRole('textbox'), 'draft');
    await userEvent.click(within(form).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('form')).toBeNull();
    const button = screen.getByRole('button', { name: ANYDESK });
    expect(button).toHaveFocus();
    expect(button).toHaveAttribute('aria-expanded', 'false');

    await userEvent.keyboard('{Enter}');
    const again = screen.getByRole('form', { name: FORM });
    // A new form starts empty.
    expect(within(again).getByRole('textbox')).toHaveValue('');
    expect(within(again).getByRole('textbox')).toHaveFocus();
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('form')).toBeNull();
    expect(screen.getByRole('button', { name: ANYDESK })).toHaveFocus();
    expect(reportCalls(backend)).toEqual([]);
  });

  it('closes a form whose event was sent meanwhile, on reload', async () => {
    const backend = mockBackend();
    await openForm();
    const sent = backend.tripwires.events[1];
    if (sent) sent.reportedAt = tripwireFixtures.REPORTED_AT;
    await emitTripwireRaised();
    await waitFor(() => expect(screen.queryByRole('form')).toBeNull());
    expect(screen.getAllByText('Sent to IT')).toHaveLength(2);
  });

  it('keeps one form open at a time', async () => {
    mockBackend();
    await openForm();
    await userEvent.click(
      screen.getByRole('button', { name: 'Report to IT A one-time code was copied' }),
    );
    expect(screen.getAllByRole('form')).toHaveLength(1);
    expect(
      screen.getByRole('form', { name: 'Report “A one-time code was copied” to IT' }),
    ).toBeInTheDocument();
  });

  it('says when this computer is not enrolled, points to the Device screen and keeps the note', async () => {
    const backend = mockBackend();
    backend.tripwires.reportFailure = { code: 'not_enrolled', message: 'not enrolled' };
    const form = await openForm();
    await userEvent.type(within(form).getByRole('textbox'), 'a call');
    await userEvent.click(within(form).getByRole('button', { name: 'Send' }));
    const alert = await within(form).findByRole('alert');
    expect(alert).toHaveTextContent('The report could not be sent.');
    expect(alert).toHaveTextContent(
      'This computer is not enrolled with your organisation, so it cannot send reports to IT.',
    );
    expect(within(form).getByRole('link', { name: 'Open the Device screen' })).toHaveAttribute(
      'href',
      '#/device',
    );
    expect(within(form).getByRole('textbox')).toHaveValue('a call');
    expect(screen.getByRole('button', { name: ANYDESK })).toBeInTheDocument();
  });

  it('asks for the passphrase of a key file, says when it is wrong, and sends with it', async () => {
    const backend = mockBackend();
    backend.tripwires.keyPassphrase = 'correct horse battery';
    const form = await openForm();
    expect(within(form).queryByLabelText(PASSPHRASE)).toBeNull();
    await userEvent.type(within(form).getByRole('textbox'), 'a call');
    await userEvent.click(within(form).getByRole('button', { name: 'Send' }));

    const field = await within(form).findByLabelText(PASSPHRASE);
    expect(field).toHaveAttribute('type', 'password');
    expect(field).toHaveFocus();
    expect(within(form).queryByRole('alert')).toBeNull();

    // Sending with the field empty is stopped here.
    await userEvent.click(within(form).getByRole('button', { name: 'Send' }));
    expect(
      within(form).getByText('Enter the passphrase of the device key file.'),
    ).toBeInTheDocument();
    expect(reportCalls(backend)).toHaveLength(1);

    await userEvent.type(field, 'wrong one');
    await userEvent.click(within(form).getByRole('button', { name: 'Send' }));
    expect(
      await within(form).findByText(
        'That passphrase does not open the device key file. Try again.',
      ),
    ).toBeInTheDocument();
    expect(field).toHaveValue('');
    expect(field).toHaveAttribute('aria-invalid', 'true');

    await userEvent.type(field, 'correct horse battery');
    await userEvent.click(within(form).getByRole('button', { name: 'Send' }));
    expect(await screen.findByText('Sent to IT: AnyDesk was running.')).toBeInTheDocument();
    expect(reportCalls(backend)).toEqual([
      { id: 2, note: 'a call', passphrase: null },
      { id: 2, note: 'a call', passphrase: 'wrong one' },
      { id: 2, note: 'a call', passphrase: 'correct horse battery' },
    ]);
  });

  it.each([
    [
      { code: 'desk_refused', message: 'rate limited', reason: 'report_rate_limited' },
      'This computer has sent IT too many reports this hour. Try again later',
    ],
    [
      { code: 'desk_unreachable', message: 'connection refused' },
      "Verity could not reach your organisation's desk. Check the connection and try again later.",
    ],
    [
      { code: 'desk_refused', message: 'revoked', reason: 'device_revoked' },
      "IT has revoked this device's binding.",
    ],
    [
      { code: 'invalid_input', message: 'gone', reason: 'no_such_event' },
      'This warning sign is no longer on record.',
    ],
    [
      { code: 'invalid_input', message: 'bad note', reason: 'report_note_invalid' },
      "IT's desk did not accept the note",
    ],
  ] as [IpcError, string][])('words a refusal (%o) and keeps the note', async (error, words) => {
    const backend = mockBackend();
    backend.tripwires.reportFailure = error;
    const form = await openForm();
    await userEvent.type(within(form).getByRole('textbox'), 'keep me');
    await userEvent.click(within(form).getByRole('button', { name: 'Send' }));
    const alert = await within(form).findByRole('alert');
    expect(alert).toHaveTextContent(words);
    expect(alert).toHaveTextContent(error.message);
    expect(within(form).getByRole('textbox')).toHaveValue('keep me');
    expect(screen.getByRole('button', { name: ANYDESK })).toBeInTheDocument();
  });

  it('blocks a note over 1,000 characters, counted as the backend counts them', async () => {
    const backend = mockBackend();
    const form = await openForm();
    const note = within(form).getByRole('textbox');
    await userEvent.click(note);
    await userEvent.paste('x'.repeat(1001));
    expect(within(form).getByText('1001 of 1000 characters')).toBeInTheDocument();
    expect(note).toHaveAttribute('aria-invalid', 'true');
    await userEvent.click(within(form).getByRole('button', { name: 'Send' }));
    expect(
      within(form).getByText('The note is too long: shorten it to 1000 characters or fewer.'),
    ).toBeInTheDocument();
    expect(note).toHaveFocus();
    expect(reportCalls(backend)).toEqual([]);

    // Characters beyond the Basic Multilingual Plane count once, as the backend counts them.
    await userEvent.clear(note);
    await userEvent.paste('😀'.repeat(1000));
    expect(within(form).getByText('1000 of 1000 characters')).toBeInTheDocument();
    expect(note).not.toHaveAttribute('aria-invalid');
    expect(within(form).queryByText(/The note is too long/)).toBeNull();
  });

  it('reads in Arabic', async () => {
    mockBackend();
    applyLanguage('ar');
    render(TripwireEvents);
    const button = await screen.findByRole('button', {
      name: 'إبلاغ قسم تقنية المعلومات كان AnyDesk قيد التشغيل',
    });
    await userEvent.click(button);
    const form = screen.getByRole('form', {
      name: 'إبلاغ قسم تقنية المعلومات عن «كان AnyDesk قيد التشغيل»',
    });
    expect(within(form).getByRole('textbox', { name: 'ماذا حدث؟ (اختياري)' })).toHaveFocus();
    expect(within(form).getByRole('button', { name: 'إرسال' })).toBeInTheDocument();
  });
});
