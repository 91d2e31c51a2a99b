import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { applyLanguage } from '../lib/i18n';
import type { IpcError } from '../lib/ipc';
import { fail, mockBackend, outcomes } from '../lib/ipc/testing';
import { emitOpenThreats } from '../lib/ipc/feed-testing';
import { feed } from '../lib/feed/feed.svelte';
import { router } from '../lib/router.svelte';
import Threats from './Threats.svelte';

describe('Threats', () => {
  it('lists new threats newest first with kind, value, category, campaign and date', async () => {
    const backend = mockBackend();
    render(Threats);
    expect(screen.getByRole('heading', { level: 1, name: 'Threats' })).toBeInTheDocument();
    const table = await screen.findByRole('table', { name: 'New threats' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(4);
    const cells = (row: HTMLElement): string[] =>
      within(row)
        .getAllByRole('cell')
        .map((c) => c.textContent?.trim() ?? '');
    expect(cells(rows[0] as HTMLElement)).toEqual([
      'New',
      '+85230010005',
      'Phone number',
      'Fake customer service',
      'Fake DingTalk hotline',
      'Mar 2, 2026',
    ]);
    expect(cells(rows[2] as HTMLElement)[4]).toBe('Not named');
    expect(cells(rows[3] as HTMLElement)[0]).toBe(''); // a read threat is not marked new
    const value = within(rows[0] as HTMLElement).getByText('+85230010005');
    expect(value.tagName).toBe('BDI');
    expect(value).toHaveAttribute('dir', 'ltr');
    expect(screen.getByText('3 unread')).toBeInTheDocument();

    // Seen: marked read up to the newest shown, and the "New" marks stay for this visit.
    await waitFor(() => expect(backend.callsTo('mark_threats_read')).toHaveLength(1));
    expect(backend.callsTo('mark_threats_read')[0]?.args).toEqual({ upTo: 4 });
    const body = within(table).getAllByRole('rowgroup')[1] as HTMLElement;
    expect(within(body).getAllByText('New')).toHaveLength(3);
    expect(backend.feed.status.unread).toBe(0);
  });

  it('says when there is nothing yet, and when the list cannot be read', async () => {
    const backend = mockBackend();
    backend.feed.threats = { items: [], unread: 0 };
    const { unmount } = render(Threats);
    expect(await screen.findByText(/No new threats so far/)).toBeInTheDocument();
    expect(backend.callsTo('mark_threats_read')).toHaveLength(0);
    unmount();
    backend.on('list_threats', () => fail({ code: 'store', message: 'disk', reason: null }));
    render(Threats);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The threats could not be loaded.');
  });

  it('links to real support, whether or not there are threats', async () => {
    const backend = mockBackend();
    backend.feed.threats = { items: [], unread: 0 };
    render(Threats);
    await screen.findByText(/No new threats so far/);
    expect(screen.getByTestId('threats-support')).toHaveTextContent(
      'Did one of these numbers or links reach you?',
    );
    const link = screen.getByRole('link', { name: 'How to reach real DingTalk support' });
    link.focus();
    await userEvent.keyboard('{Enter}');
    expect(router.current).toBe('support');
    expect(window.location.hash).toBe('#/support');
    router.go('home');
  });

  it('reads right to left in Arabic', async () => {
    mockBackend();
    applyLanguage('ar');
    render(Threats);
    expect(document.documentElement).toHaveAttribute('dir', 'rtl');
    expect(screen.getByRole('heading', { level: 1, name: 'التهديدات' })).toBeInTheDocument();
    const table = await screen.findByRole('table', { name: 'التهديدات الجديدة' });
    const body = within(table).getAllByRole('rowgroup')[1] as HTMLElement;
    expect(within(body).getAllByText('جديد')).toHaveLength(3);
    expect(within(table).getByText('+85230010005')).toHaveAttribute('dir', 'ltr');
    expect(
      screen.getByRole('link', { name: 'كيف تصل إلى الدعم الحقيقي لـ DingTalk' }),
    ).toHaveAttribute('href', '#/support');
  });

  it('opens when the backend asks (a clicked alert or tray item)', async () => {
    mockBackend();
    const stop = feed.connect();
    await waitFor(() => expect(feed.status).not.toBeNull());
    await emitOpenThreats();
    await waitFor(() => expect(router.current).toBe('threats'));
    stop();
    router.go('home');
  });
});

describe('Threats and the warning signs', () => {
  it('lists the warning signs below the threats, also when there is no threat', async () => {
    const backend = mockBackend();
    backend.feed.threats = { items: [], unread: 0 };
    render(Threats);
    expect(await screen.findByText(/No new threats so far/)).toBeInTheDocument();
    const section = screen.getByRole('region', { name: 'Warning signs on this computer' });
    expect(await within(section).findByText('AnyDesk was running')).toBeInTheDocument();
  });
});

describe('Report to IT from a Threats entry ("I met this one")', () => {
  const OPEN = 'Report to IT +85230010005';
  const FORM = 'Report “+85230010005” to IT';

  function enrolled(keyStore: 'os' | 'file' = 'os'): ReturnType<typeof mockBackend> {
    const backend = mockBackend();
    backend.device = outcomes.deviceBound({ keyStore });
    return backend;
  }

  it('is offered on each entry only when the device is enrolled', async () => {
    const backend = mockBackend();
    render(Threats);
    const table = await screen.findByRole('table', { name: 'New threats' });
    await waitFor(() => expect(backend.callsTo('device_status')).toHaveLength(1));
    expect(within(table).queryByRole('button')).toBeNull();
  });

  it('sends the entry with a note, then says so and lists it in "Your reports to IT"', async () => {
    const backend = enrolled();
    render(Threats);
    const table = await screen.findByRole('table', { name: 'New threats' });
    expect(await within(table).findAllByRole('button', { name: /^Report to IT / })).toHaveLength(4);
    const button = within(table).getByRole('button', { name: OPEN });
    await userEvent.click(button);
    expect(button).toHaveAttribute('aria-expanded', 'true');
    const form = screen.getByRole('form', { name: FORM });
    expect(form).toHaveTextContent('I met this one');
    const note = within(form).getByRole('textbox', { name: 'What happened? (optional)' });
    expect(note).toHaveFocus();
    await userEvent.type(note, 'It called me on Tuesday');
    await userEvent.click(within(form).getByRole('button', { name: 'Send' }));
    expect(backend.callsTo('report_threat').map((c) => c.args)).toEqual([
      { id: 4, note: 'It called me on Tuesday', passphrase: null },
    ]);
    const status = await screen.findByText(/^Sent to IT \(report #46\): \+85230010005\./);
    expect(status).toHaveAttribute('role', 'status');
    expect(screen.queryByRole('form')).toBeNull();
    const row = table.querySelector('tr[data-threat="+85230010005"]') as HTMLElement;
    expect(within(row).getByText('Sent to IT')).toHaveFocus();
    const reports = screen.getByRole('region', { name: 'Your reports to IT' });
    await waitFor(() =>
      expect(within(reports).getAllByRole('listitem')[0]).toHaveTextContent('Report #46'),
    );
    expect(within(reports).getAllByRole('listitem')[0]).toHaveTextContent('A threat from the list');
  });

  it('closes on Escape with focus back on its button, one form at a time', async () => {
    const backend = enrolled();
    render(Threats);
    await userEvent.click(await screen.findByRole('button', { name: OPEN }));
    await userEvent.click(screen.getByRole('button', { name: 'Report to IT +85230010004' }));
    expect(screen.getAllByRole('form')).toHaveLength(1);
    expect(screen.getByRole('form', { name: 'Report “+85230010004” to IT' })).toBeInTheDocument();
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('form')).toBeNull();
    expect(screen.getByRole('button', { name: 'Report to IT +85230010004' })).toHaveFocus();
    expect(backend.callsTo('report_threat')).toHaveLength(0);
  });

  it('asks for the passphrase up front when the key is in a key file', async () => {
    const backend = enrolled('file');
    backend.reports.keyPassphrase = 'pass phrase';
    render(Threats);
    await userEvent.click(await screen.findByRole('button', { name: OPEN }));
    const form = screen.getByRole('form', { name: FORM });
    await userEvent.type(
      within(form).getByLabelText('Passphrase of the device key file'),
      'pass phrase',
    );
    await userEvent.click(within(form).getByRole('button', { name: 'Send' }));
    await screen.findByText(/^Sent to IT \(report #46\)/);
    expect(backend.callsTo('report_threat')[0]?.args.passphrase).toBe('pass phrase');
  });

  it.each([
    [
      { code: 'invalid_input', message: 'gone', reason: 'nothing_to_report' },
      'This threat is no longer in the list, so it cannot be reported.',
    ],
    [
      { code: 'invalid_input', message: 'code', reason: 'report_note_has_code' },
      'Never send a code to anyone, not even IT.',
    ],
    [
      { code: 'desk_refused', message: 'rate', reason: 'report_rate_limited' },
      'This computer has sent IT too many reports this hour.',
    ],
    [
      { code: 'desk_unreachable', message: 'refused' },
      "Verity could not reach your organisation's desk.",
    ],
  ] as [IpcError, string][])('words a refusal (%o)', async (error, words) => {
    const backend = enrolled();
    backend.reports.reportFailure = error;
    render(Threats);
    await userEvent.click(await screen.findByRole('button', { name: OPEN }));
    const form = screen.getByRole('form', { name: FORM });
    await userEvent.click(within(form).getByRole('button', { name: 'Send' }));
    const alert = await within(form).findByRole('alert');
    expect(alert).toHaveTextContent(words);
    expect(screen.getByRole('button', { name: OPEN })).toBeInTheDocument();
  });

  it('shows "Your reports to IT" and marks its answers seen', async () => {
    const backend = mockBackend();
    render(Threats);
    const section = await screen.findByRole('region', { name: 'Your reports to IT' });
    expect(await within(section).findAllByRole('listitem')).toHaveLength(5);
    await waitFor(() => expect(backend.callsTo('mark_it_reports_seen')).toHaveLength(1));
  });

  it('reads right to left in Arabic', async () => {
    enrolled();
    applyLanguage('ar');
    render(Threats);
    await userEvent.click(
      await screen.findByRole('button', { name: 'إبلاغ قسم تقنية المعلومات +85230010005' }),
    );
    expect(
      screen.getByRole('form', { name: 'إبلاغ قسم تقنية المعلومات عن «+85230010005»' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('region', { name: 'بلاغاتك إلى قسم تقنية المعلومات' }),
    ).toBeInTheDocument();
  });
});
