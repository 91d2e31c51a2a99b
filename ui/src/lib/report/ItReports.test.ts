import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { formatDateTime } from '../feed/words';
import { applyLanguage } from '../i18n';
import type { IpcError } from '../ipc';
import { fail, mockBackend } from '../ipc/testing';
import { reportFixtures } from '../ipc/report-testing';
import ItReports from './ItReports.svelte';

const TITLE = 'Your reports to IT';
const REFRESH = "Check for IT's answers";
const PASSPHRASE = 'Passphrase of the device key file';

async function items(): Promise<HTMLElement[]> {
  const section = screen.getByRole('region', { name: TITLE });
  const list = await within(section).findByRole('list', { name: TITLE });
  return within(list).getAllByRole('listitem');
}

describe('Your reports to IT', () => {
  it('lists each report: what, kind in words, when sent, the state as a worded badge', async () => {
    mockBackend();
    render(ItReports, { enrolled: true });
    const rows = await items();
    expect(rows).toHaveLength(5);
    const list = reportFixtures.itReports().reports;
    const [confirmed, rejected, waiting, tool, code] = rows as [
      HTMLElement,
      HTMLElement,
      HTMLElement,
      HTMLElement,
      HTMLElement,
    ];
    expect(confirmed).toHaveTextContent('A check');
    expect(confirmed).toHaveTextContent('Report #45');
    expect(confirmed).toHaveTextContent('+85230010005');
    expect(confirmed.querySelector('.state')).toHaveTextContent('Confirmed by IT');
    expect(confirmed).toHaveTextContent("IT confirmed it: it's now on your organisation's list.");
    expect(confirmed).toHaveTextContent(`Sent ${formatDateTime(list[0]?.sentAt ?? 0)}`);
    expect(confirmed).toHaveTextContent(`Decided ${formatDateTime(list[0]?.resolvedAt ?? 0)}`);
    const time = confirmed.querySelector('time');
    expect(time).toHaveAttribute('datetime', new Date((list[0]?.sentAt ?? 0) * 1000).toISOString());

    expect(rejected).toHaveTextContent('A threat from the list');
    expect(rejected.querySelector('.state')).toHaveTextContent('IT found nothing in it');
    expect(rejected).not.toHaveTextContent('now on your organisation');
    expect(waiting.querySelector('.state')).toHaveTextContent('Waiting for IT');
    expect(waiting).not.toHaveTextContent('Decided');
    expect(tool).toHaveTextContent('Warning sign: remote-access program');
    expect(tool).toHaveTextContent('AnyDesk');
    expect(tool).not.toHaveTextContent('now on your organisation');
    expect(code).toHaveTextContent('Warning sign: one-time code');
    expect(code).toHaveTextContent('Nothing named');
  });

  it('shows a hostile item as inert text, never as a link or markup', async () => {
    mockBackend();
    render(ItReports);
    const rows = await items();
    const hostile = rows[2] as HTMLElement;
    const item = within(hostile).getByText(reportFixtures.HOSTILE_ITEM);
    expect(item.tagName).toBe('BDI');
    expect(item).toHaveAttribute('dir', 'ltr');
    expect(hostile.querySelector('a, img')).toBeNull();
    expect(screen.queryByRole('link')).toBeNull();
    expect(screen.queryByRole('img')).toBeNull();
  });

  it('counts the unseen answers beside the title, marks them seen, keeps "New" this visit', async () => {
    const backend = mockBackend();
    render(ItReports);
    const rows = await items();
    expect(screen.getByTestId('it-reports-unseen')).toHaveTextContent('One new answer from IT');
    expect(within(rows[0] as HTMLElement).getByText('New')).toBeInTheDocument();
    expect(within(rows[1] as HTMLElement).queryByText('New')).toBeNull();
    await waitFor(() => expect(backend.callsTo('mark_it_reports_seen')).toHaveLength(1));
    expect(backend.reports.list.unseen).toBe(0);
    expect(within(rows[0] as HTMLElement).getByText('New')).toBeInTheDocument();
  });

  it('does not mark anything seen when every answer was seen', async () => {
    const backend = mockBackend();
    backend.reports.list = { reports: backend.reports.list.reports.slice(1), unseen: 0 };
    render(ItReports);
    await items();
    expect(screen.queryByTestId('it-reports-unseen')).toBeNull();
    expect(backend.callsTo('mark_it_reports_seen')).toHaveLength(0);
  });

  it('is not shown on a device that is not enrolled and sent no report', async () => {
    const backend = mockBackend();
    backend.reports.list = { reports: [], unseen: 0 };
    render(ItReports, { enrolled: false });
    await waitFor(() => expect(backend.callsTo('it_reports')).toHaveLength(1));
    await waitFor(() => expect(screen.queryByRole('region')).toBeNull());
  });

  it('says when there is none, and words a failure with a retry', async () => {
    const backend = mockBackend();
    backend.reports.list = { reports: [], unseen: 0 };
    const { unmount } = render(ItReports, { enrolled: true });
    expect(await screen.findByText(/You have not sent IT any report yet/)).toBeInTheDocument();
    expect(screen.queryByRole('list')).toBeNull();
    unmount();
    backend.on('it_reports', () => fail({ code: 'store', message: 'disk' }));
    render(ItReports);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Your reports to IT could not be loaded.');
    backend.on('it_reports', () => reportFixtures.itReports());
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await items()).toHaveLength(5);
  });

  it('offers to check for answers only on an enrolled device', async () => {
    mockBackend();
    render(ItReports, { enrolled: false });
    await items();
    expect(screen.queryByRole('button', { name: REFRESH })).toBeNull();
  });

  it("checks for IT's answers, shows the new decisions and marks them seen", async () => {
    const backend = mockBackend();
    render(ItReports, { enrolled: true });
    await items();
    await waitFor(() => expect(backend.callsTo('mark_it_reports_seen')).toHaveLength(1));
    backend.reports.answers.set(43, { state: 'rejected', resolvedAt: reportFixtures.CHECKED_AT });
    backend.reports.answers.set(42, { state: 'confirmed', resolvedAt: reportFixtures.CHECKED_AT });
    await userEvent.click(screen.getByRole('button', { name: REFRESH }));
    expect(await screen.findByText("Up to date: these are IT's latest answers.")).toHaveAttribute(
      'role',
      'status',
    );
    expect(backend.callsTo('refresh_it_reports')[0]?.args).toEqual({ passphrase: null });
    const rows = await items();
    expect(rows[2]?.querySelector('.state')).toHaveTextContent('IT found nothing in it');
    expect(rows[3]?.querySelector('.state')).toHaveTextContent('Confirmed by IT');
    // A confirmed warning sign is not "on the list": that sentence is for checks and threats.
    expect(rows[3]).not.toHaveTextContent('now on your organisation');
    expect(screen.getByTestId('it-reports-unseen')).toHaveTextContent('3 new answers from IT');
    await waitFor(() => expect(backend.callsTo('mark_it_reports_seen')).toHaveLength(2));
    expect(backend.reports.list.unseen).toBe(0);
  });

  it('asks for the passphrase of a key file to check for answers', async () => {
    const backend = mockBackend();
    backend.reports.keyPassphrase = 'correct horse battery';
    render(ItReports, { enrolled: true });
    await items();
    expect(screen.queryByLabelText(PASSPHRASE)).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: REFRESH }));
    const field = await screen.findByLabelText(PASSPHRASE);
    await waitFor(() => expect(field).toHaveFocus());
    await userEvent.click(screen.getByRole('button', { name: REFRESH }));
    expect(screen.getByText('Enter the passphrase of the device key file.')).toBeInTheDocument();
    await userEvent.type(field, 'wrong');
    await userEvent.click(screen.getByRole('button', { name: REFRESH }));
    expect(
      await screen.findByText('That passphrase does not open the device key file. Try again.'),
    ).toBeInTheDocument();
    expect(field).toHaveAttribute('aria-invalid', 'true');
    await userEvent.type(field, 'correct horse battery');
    await userEvent.click(screen.getByRole('button', { name: REFRESH }));
    await screen.findByText("Up to date: these are IT's latest answers.");
    expect(backend.callsTo('refresh_it_reports').map((c) => c.args.passphrase)).toEqual([
      null,
      'wrong',
      'correct horse battery',
    ]);
  });

  it('asks for the passphrase up front when the key is known to be in a file', async () => {
    mockBackend();
    render(ItReports, { enrolled: true, keyInFile: true });
    await items();
    expect(screen.getByLabelText(PASSPHRASE)).toHaveAttribute('type', 'password');
  });

  it.each([
    [
      { code: 'desk_unreachable', message: 'timeout' },
      "Verity could not reach your organisation's desk.",
    ],
    [{ code: 'not_enrolled', message: 'not enrolled' }, 'This computer is not enrolled'],
    [
      { code: 'desk_refused', message: 'revoked', reason: 'device_revoked' },
      "IT has revoked this device's binding.",
    ],
  ] as [IpcError, string][])('words a failed refresh (%o), the list kept', async (error, words) => {
    const backend = mockBackend();
    backend.reports.refreshFailure = error;
    render(ItReports, { enrolled: true });
    await items();
    await userEvent.click(screen.getByRole('button', { name: REFRESH }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent("IT's answers could not be fetched.");
    expect(alert).toHaveTextContent(words);
    expect(await items()).toHaveLength(5);
  });

  it.each([
    [
      'ar',
      'بلاغاتك إلى قسم تقنية المعلومات',
      'أكّده قسم تقنية المعلومات',
      'بانتظار قسم تقنية المعلومات',
    ],
    ['zh-HK', '你向 IT 發出的報告', 'IT 已確認', '等待 IT 處理'],
    ['zh-CN', '你给 IT 的报告', 'IT 已确认', '等待 IT 处理'],
  ] as const)('reads in %s', async (language, title, confirmed, waiting) => {
    mockBackend();
    applyLanguage(language);
    render(ItReports, { enrolled: true });
    const section = screen.getByRole('region', { name: title });
    const list = await within(section).findByRole('list', { name: title });
    const rows = within(list).getAllByRole('listitem');
    expect(rows[0]?.querySelector('.state')).toHaveTextContent(confirmed);
    expect(rows[2]?.querySelector('.state')).toHaveTextContent(waiting);
    expect(within(rows[0] as HTMLElement).getByText('+85230010005')).toHaveAttribute('dir', 'ltr');
  });
});
