import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { applyLanguage } from '../lib/i18n';
import { fail, mockBackend } from '../lib/ipc/testing';
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
