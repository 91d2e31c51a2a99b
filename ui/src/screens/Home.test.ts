import { cleanup, render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fail, fixtures, mockBackend } from '../lib/ipc/testing';
import Home from './Home.svelte';

describe('Home', () => {
  it('shows the state read from the backend', async () => {
    mockBackend();
    render(Home);
    expect(screen.getByRole('heading', { level: 1, name: 'Home' })).toBeInTheDocument();
    expect(screen.getByText("Reading Verity's status…")).toHaveAttribute('role', 'status');

    const dataDir = await screen.findByText(fixtures.status().dataDir);
    expect(dataDir.tagName).toBe('BDI');
    expect(dataDir).toHaveAttribute('dir', 'ltr');
    expect(screen.getByText('0.1.0')).toBeInTheDocument();
    expect(screen.getByText('Database schema version').nextElementSibling).toHaveTextContent('1');
  });

  it('shows what the blocklist holds and that it is sample data', async () => {
    mockBackend();
    render(Home);
    const card = await screen.findByRole('region', { name: 'Blocklist' });
    const value = (label: string): string | null | undefined =>
      within(card).getByText(label).nextElementSibling?.textContent;
    await waitFor(() => expect(value('Entries')).toBe('12'));
    expect(value('Phone numbers')).toBe('8');
    expect(value('Domains and links')).toBe('4');
    expect(value('Sample entries')).toBe('12');
    expect(
      within(card).getByText('Entries').nextElementSibling?.querySelector('bdi'),
    ).toHaveAttribute('dir', 'ltr');
    expect(card).toHaveTextContent(
      "Sample data: until your organisation's threat feed is connected, the blocklist holds example entries",
    );
  });

  it('drops the sample note once the list is the organisation’s own, and says when it is empty', async () => {
    const backend = mockBackend();
    const withList = (entries: number, phones: number, links: number, sample: number) => () => ({
      ...fixtures.status(),
      blocklist: { entries, phones, links, sample },
    });
    backend.on('app_status', withList(1500, 1200, 300, 0));
    const { unmount } = render(Home);
    const card = await screen.findByRole('region', { name: 'Blocklist' });
    await waitFor(() =>
      expect(within(card).getByText('Entries').nextElementSibling).toHaveTextContent('1,500'),
    );
    expect(card).not.toHaveTextContent('Sample data');
    expect(within(card).queryByText('Sample entries')).toBeNull();
    unmount();

    backend.on('app_status', withList(0, 0, 0, 0));
    render(Home);
    expect(
      await screen.findByText(/The blocklist is empty\. Look-alike links and scam messages/),
    ).toBeInTheDocument();
  });

  it('words a failure by its code and can retry', async () => {
    const backend = mockBackend();
    backend.on('app_status', () => fail({ code: 'store', message: 'disk I/O error' }));
    render(Home);

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent("Verity's status could not be read.");
    expect(alert).toHaveTextContent('Verity could not read or write its database.');
    expect(alert).toHaveTextContent('disk I/O error');

    backend.on('app_status', () => fixtures.status());
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText(fixtures.status().dataDir)).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('shows the warning signs of the last 30 days and offers the code reminder once', async () => {
    const backend = mockBackend();
    render(Home);
    expect(await screen.findByText('3 warning signs in the last 30 days.')).toBeInTheDocument();
    expect(
      screen.getByRole('region', { name: 'Get a reminder when you copy a one-time code?' }),
    ).toBeInTheDocument();
    backend.tripwires.status = { ...backend.tripwires.status, codeGuardOffered: true };
    cleanup();
    render(Home);
    await screen.findByText('3 warning signs in the last 30 days.');
    expect(screen.queryByTestId('code-guard-offer')).toBeNull();
  });

  it('sends a test alert and reports the result', async () => {
    const backend = mockBackend();
    render(Home);
    await userEvent.click(screen.getByRole('button', { name: 'Send a test alert' }));
    expect(await screen.findByText(/Test alert sent/)).toBeInTheDocument();
    expect(backend.callsTo('send_test_notification')).toHaveLength(1);
  });

  it('explains why a test alert could not be sent', async () => {
    const backend = mockBackend();
    backend.on('send_test_notification', () =>
      fail({ code: 'notification_unavailable', message: 'no notification daemon' }),
    );
    render(Home);
    await userEvent.click(screen.getByRole('button', { name: 'Send a test alert' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The test alert could not be sent.');
    expect(alert).toHaveTextContent('Desktop alerts are not available on this system.');
  });
});
