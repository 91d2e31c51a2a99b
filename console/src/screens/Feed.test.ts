import { render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { session } from '../lib/session.svelte';
import { me, mockDesk } from '../test-fetch';
import { feed } from '../test-fixtures';
import Feed from './Feed.svelte';

describe('Feed', () => {
  it('lists upheld appeals under "Waiting to be allowed" with their name', async () => {
    session.signedIn(me({ role: 'analyst' }));
    mockDesk({ 'GET /feed': feed() });
    render(Feed);
    const allowed = await screen.findByRole('table', { name: 'Waiting to be allowed' });
    expect(within(allowed).getByRole('columnheader', { name: 'Name' })).toBeInTheDocument();
    expect(within(allowed).getByText('Bank of Example sign-in')).toBeInTheDocument();
    expect(within(allowed).getByText('https://bank.example/login')).toBeInTheDocument();
    const blocked = screen.getByRole('table', { name: 'Waiting to be published' });
    expect(within(blocked).queryByRole('columnheader', { name: 'Name' })).toBeNull();
  });

  it('says nothing waits to be allowed when no appeal was upheld', async () => {
    session.signedIn(me({ role: 'analyst' }));
    mockDesk({ 'GET /feed': { ...feed(), allow_pending: [] } });
    render(Feed);
    await screen.findByRole('table', { name: 'Waiting to be published' });
    expect(screen.queryByRole('table', { name: 'Waiting to be allowed' })).toBeNull();
  });
});
