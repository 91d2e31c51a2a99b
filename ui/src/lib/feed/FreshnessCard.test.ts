import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import Home from '../../screens/Home.svelte';
import Check from '../../screens/Check.svelte';
import { applyLanguage } from '../i18n';
import { fail, mockBackend } from '../ipc/testing';
import { emitFeedChanged, emitFeedProgress, feedFixtures } from '../ipc/feed-testing';
import { router } from '../router.svelte';
import { feed } from './feed.svelte';

const { freshness, feedStatus } = feedFixtures;

async function feedCard(): Promise<HTMLElement> {
  const card = await screen.findByRole('region', { name: /Threat feed|موجز التهديدات/ });
  await waitFor(() => expect(card.querySelector('[data-freshness]')).not.toBeNull());
  return card;
}

describe('Home freshness', () => {
  it('shows the list version and age, and the next update', async () => {
    mockBackend();
    render(Home);
    const card = await feedCard();
    expect(card).toHaveTextContent('List version 12, updated 12 minutes ago.');
    expect(card.querySelector('[data-freshness]')).toHaveAttribute('data-freshness', 'fresh');
    expect(card).toHaveTextContent(/Next automatic update/);
    expect(within(card).getByRole('button', { name: 'Sync now' })).toBeInTheDocument();
  });

  it.each([
    [
      'failing',
      freshness.failing(),
      /Updates failing since .+: the feed server cannot be reached\./,
    ],
    ['stale', freshness.stale(), /The list is stale: version 12, updated 9 days ago\./],
    ['pending', freshness.pending(), /waiting for the first update/],
  ])('says when updates are %s', async (state, f, text) => {
    const backend = mockBackend();
    backend.feed.status = feedStatus(f);
    render(Home);
    const card = await feedCard();
    expect(card.querySelector('[data-freshness]')).toHaveAttribute('data-freshness', state);
    expect(card).toHaveTextContent(text);
  });

  it('says that no feed is configured and the list is sample data, with a way to Settings', async () => {
    const backend = mockBackend();
    backend.feed.status = feedStatus(freshness.notConfigured());
    render(Home);
    const card = await feedCard();
    expect(card).toHaveTextContent(
      'No threat feed is configured: the list holds sample data only.',
    );
    expect(within(card).queryByRole('button', { name: 'Sync now' })).toBeNull();
    await userEvent.click(within(card).getByRole('link', { name: 'Threat feed' }));
    expect(router.current).toBe('settings');
    router.go('home');
  });

  it('syncs now, showing the stage and bytes while it runs', async () => {
    const backend = mockBackend();
    let finish: (v: unknown) => void = () => {};
    backend.on('sync_now', () => new Promise((resolve) => (finish = resolve)));
    const stop = feed.connect();
    render(Home);
    const card = await feedCard();
    await userEvent.click(within(card).getByRole('button', { name: 'Sync now' }));
    expect(within(card).getByRole('button', { name: 'Syncing…' })).toHaveAttribute(
      'aria-disabled',
      'true',
    );
    await emitFeedProgress({ stage: 'download', file: 'delta', bytes: 2000, total: 8000 });
    expect(await within(card).findByText('Downloading the changes: 2 kB of 8 kB')).toHaveAttribute(
      'role',
      'status',
    );
    finish(feedStatus(freshness.fresh(0), 5));
    expect(await within(card).findByText('Update finished.')).toBeInTheDocument();
    expect(card).toHaveTextContent('List version 12, updated now.');
    expect(backend.callsTo('sync_now')).toHaveLength(1);
    stop();
  });

  it('reports a failed sync by its code and shows the new reason', async () => {
    const backend = mockBackend();
    backend.on('sync_now', () => {
      backend.feed.status = feedStatus(freshness.failing());
      return fail({ code: 'feed_failed', message: 'cannot reach the feed', reason: null });
    });
    render(Home);
    const card = await feedCard();
    await userEvent.click(within(card).getByRole('button', { name: 'Sync now' }));
    const alert = await within(card).findByRole('alert');
    expect(alert).toHaveTextContent('The feed update failed. The last good list stays in force.');
    await waitFor(() => expect(card).toHaveTextContent(/Updates failing since/));
  });

  it('follows feed-changed events and reads in Arabic', async () => {
    mockBackend();
    applyLanguage('ar');
    const stop = feed.connect();
    render(Home);
    const card = await feedCard();
    expect(card).toHaveTextContent('القائمة الإصدار');
    await emitFeedChanged(feedStatus(freshness.stale()));
    await waitFor(() => expect(card).toHaveTextContent('القائمة قديمة'));
    expect(document.documentElement).toHaveAttribute('dir', 'rtl');
    stop();
  });
});

describe('the line under every verdict', () => {
  it('names the list and its age, and warns when it is stale', async () => {
    const backend = mockBackend();
    const { unmount } = render(Check);
    await userEvent.type(screen.getByRole('textbox'), '2345 6789');
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    expect(
      await screen.findByText('Checked against list version 12, updated 12 minutes ago.'),
    ).toBeInTheDocument();
    unmount();
    feed.reset();
    backend.feed.status = feedStatus(freshness.stale());
    render(Check);
    await userEvent.type(screen.getByRole('textbox'), '2345 6789');
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    const line = await screen.findByText(/Checked against a stale list/);
    expect(line).toHaveAttribute('data-freshness', 'stale');
  });
});
