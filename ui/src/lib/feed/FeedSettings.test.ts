import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fail, mockBackend } from '../ipc/testing';
import { feedFixtures } from '../ipc/feed-testing';
import FeedSettings from './FeedSettings.svelte';

describe('feed settings', () => {
  it('saves the address and proxy, and a pasted or loaded trusted root', async () => {
    const backend = mockBackend();
    render(FeedSettings);
    const card = await screen.findByRole('region', { name: 'Threat feed' });
    expect(card).toHaveTextContent('No trusted root yet.');
    await userEvent.type(within(card).getByLabelText('Feed address'), 'https://feed.example.hk/v/');
    await userEvent.type(
      within(card).getByLabelText('Proxy (optional)'),
      'http://proxy.example:8080',
    );
    await userEvent.click(within(card).getByRole('button', { name: 'Save feed settings' }));
    expect(
      await within(card).findByText('Saved. Verity is updating the list.'),
    ).toBeInTheDocument();
    expect(backend.callsTo('set_feed_source')[0]?.args).toEqual({
      url: 'https://feed.example.hk/v/',
      proxy: 'http://proxy.example:8080',
    });

    const paste = within(card).getByLabelText('Paste root.json');
    expect(paste).toHaveAttribute('dir', 'ltr');
    await userEvent.click(paste);
    await userEvent.paste('{"signed":{"_type":"root"}}');
    await userEvent.click(within(card).getByRole('button', { name: 'Use pasted root' }));
    expect(await within(card).findByText('Trusted root saved.')).toBeInTheDocument();
    expect(card).toHaveTextContent('Version 1, fingerprint aaaa bbbb cccc dddd');

    await userEvent.type(
      within(card).getByLabelText('Or the full path of root.json on this computer'),
      '/home/ada/root.json',
    );
    await userEvent.click(within(card).getByRole('button', { name: 'Load file' }));
    await waitFor(() => expect(card).toHaveTextContent('Version 2, fingerprint eeee'));
    expect(backend.callsTo('load_feed_root')[0]?.args).toEqual({ path: '/home/ada/root.json' });
  });

  it('shows a refused value by its code', async () => {
    const backend = mockBackend();
    backend.on('set_feed_source', () =>
      fail({ code: 'invalid_input', message: 'feed URL "x" has no scheme', reason: null }),
    );
    render(FeedSettings);
    const card = await screen.findByRole('region', { name: 'Threat feed' });
    await userEvent.type(within(card).getByLabelText('Feed address'), 'x');
    await userEvent.click(within(card).getByRole('button', { name: 'Save feed settings' }));
    const alert = await within(card).findByRole('alert');
    expect(alert).toHaveAttribute('data-code', 'invalid_input');
  });

  it('locks the fields the administrator provisioned', async () => {
    const backend = mockBackend();
    backend.feed.config = feedFixtures.feedConfig(true);
    render(FeedSettings);
    const card = await screen.findByRole('region', { name: 'Threat feed' });
    expect(card).toHaveTextContent(
      'Set by your administrator in /etc/verity/provisioning.json. These fields cannot be changed here.',
    );
    expect(within(card).getByLabelText('Feed address')).toHaveAttribute('readonly');
    expect(within(card).getByLabelText('Feed address')).toHaveValue(
      'https://feed.example.hk/verity/',
    );
    expect(within(card).queryByRole('button', { name: 'Save feed settings' })).toBeNull();
    expect(within(card).queryByLabelText('Paste root.json')).toBeNull();
    expect(card).toHaveTextContent('Version 1, fingerprint 3f1a');
  });

  it('turns alerts off, or makes them quiet', async () => {
    const backend = mockBackend();
    render(FeedSettings);
    const alerts = await screen.findByRole('switch', { name: 'Notify me about new threats' });
    const quiet = screen.getByRole('switch', { name: 'Quiet notifications' });
    expect(alerts).toBeChecked();
    await userEvent.click(quiet);
    await waitFor(() => expect(quiet).toBeChecked());
    await userEvent.click(alerts);
    await waitFor(() => expect(alerts).not.toBeChecked());
    // Quiet still applies to checklist reminders, so it stays available while they are on.
    expect(quiet).toBeEnabled();
    expect(backend.callsTo('set_feed_alerts').map((c) => c.args)).toEqual([
      { alerts: true, quiet: true },
      { alerts: false, quiet: true },
    ]);
  });

  it('turns checklist reminders off and on; quiet is off-limits only when both are off', async () => {
    const backend = mockBackend();
    render(FeedSettings);
    const reminders = await screen.findByRole('switch', {
      name: 'Remind me when a checklist step is due',
    });
    const alerts = screen.getByRole('switch', { name: 'Notify me about new threats' });
    const quiet = screen.getByRole('switch', { name: 'Quiet notifications' });
    expect(reminders).toBeChecked();
    expect(reminders).toHaveAccessibleDescription(
      'At most one reminder a day while a security step is due again. Clicking it opens the checklist.',
    );
    await userEvent.click(reminders);
    await waitFor(() => expect(reminders).not.toBeChecked());
    expect(quiet).toBeEnabled();
    await userEvent.click(alerts);
    await waitFor(() => expect(alerts).not.toBeChecked());
    expect(quiet).toBeDisabled();
    await userEvent.click(reminders);
    await waitFor(() => expect(reminders).toBeChecked());
    expect(quiet).toBeEnabled();
    expect(backend.callsTo('set_checklist_reminders').map((c) => c.args)).toEqual([
      { enabled: false },
      { enabled: true },
    ]);
  });
});
