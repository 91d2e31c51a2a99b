import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fail, mockBackend } from '../ipc/testing';
import { feedFixtures } from '../ipc/feed-testing';
import FeedSettings from './FeedSettings.svelte';

describe('feed settings', () => {
  it('saves the address and proxy, and a pasted or picked root only once it is confirmed', async () => {
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
    await userEvent.click(within(card).getByRole('button', { name: 'Review pasted root' }));
    // Nothing is trusted before the confirmation, which shows the fingerprint and the warning.
    const confirm = await within(card).findByRole('group', {
      name: 'Check this trusted root before you trust it',
    });
    expect(backend.callsTo('set_feed_root')).toHaveLength(0);
    expect(confirm).toHaveTextContent('aaaa bbbb cccc dddd');
    expect(confirm).toHaveTextContent('Real support never asks anyone to change this.');
    expect(confirm).toHaveTextContent('can never mark a number as official');
    expect(document.activeElement).toHaveTextContent('Check this trusted root');
    await userEvent.click(within(confirm).getByRole('button', { name: 'Trust this root' }));
    expect(await within(card).findByText('Trusted root saved.')).toBeInTheDocument();
    expect(backend.callsTo('set_feed_root')[0]?.args).toEqual({
      json: '{"signed":{"_type":"root"}}',
      fingerprint: 'aaaa bbbb cccc dddd',
    });
    expect(card).toHaveTextContent('Version 1, fingerprint aaaa bbbb cccc dddd');
    // The change is in the trust log, marked as made on this computer.
    const log = await within(card).findByRole('list', { name: 'Changes to the feed' });
    expect(log).toHaveTextContent('Trusted root changed');
    expect(log).toHaveTextContent('on this computer');

    // A file is chosen in the system's dialog (opened by the backend), then confirmed too.
    await userEvent.click(within(card).getByRole('button', { name: 'Choose root.json…' }));
    const again = await within(card).findByRole('group', {
      name: 'Check this trusted root before you trust it',
    });
    expect(again).toHaveTextContent('eeee ffff 0000 1111');
    await userEvent.click(within(again).getByRole('button', { name: 'Cancel' }));
    expect(backend.callsTo('set_feed_root')).toHaveLength(1);
    expect(card).toHaveTextContent('Version 1, fingerprint aaaa');
  });

  it('says when the organisation pinned the root, and refuses a root by its reason', async () => {
    const backend = mockBackend();
    backend.feed.config = { ...feedFixtures.feedConfig(), pinned: true, anchor: 'organisation' };
    const { unmount } = render(FeedSettings);
    const card = await screen.findByRole('region', { name: 'Threat feed' });
    expect(card).toHaveTextContent(
      "Your organisation pinned this feed's trusted root. Only your administrator can change it.",
    );
    expect(within(card).queryByLabelText('Paste root.json')).toBeNull();
    unmount();

    backend.feed.config = feedFixtures.feedConfig();
    backend.on('set_feed_root', () =>
      fail({ code: 'feed_locked', message: 'pinned', reason: 'root_pinned' }),
    );
    render(FeedSettings);
    const card2 = await screen.findByRole('region', { name: 'Threat feed' });
    await userEvent.click(within(card2).getByLabelText('Paste root.json'));
    await userEvent.paste('{"signed":{"_type":"root"}}');
    await userEvent.click(within(card2).getByRole('button', { name: 'Review pasted root' }));
    await userEvent.click(await within(card2).findByRole('button', { name: 'Trust this root' }));
    const alert = await within(card2).findByRole('alert');
    expect(alert).toHaveTextContent('Only your administrator can change it.');
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
