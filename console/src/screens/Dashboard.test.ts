import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { session } from '../lib/session.svelte';
import { me, mockDesk } from '../test-fetch';
import * as fx from '../test-fixtures';
import Dashboard from './Dashboard.svelte';

describe('Dashboard', () => {
  it('reminds of the next drill while it is due soon, with a way to the Drills screen', async () => {
    session.signedIn(me({ role: 'auditor' }));
    mockDesk({ 'GET /dashboard': fx.dashboard() });
    render(Dashboard);
    const reminder = await screen.findByTestId('drill-reminder');
    expect(reminder).toHaveTextContent('owner: Security team');
    expect(screen.getByRole('link', { name: 'Open drills' })).toHaveAttribute('href', '#/drills');
  });

  it.each([
    ['not due soon', { owner: 'Security team', next_due: fx.NOW, due_soon: false }],
    ['from a desk before drills', undefined],
  ])('says nothing of drills when %s', async (_, drills) => {
    session.signedIn(me({ role: 'auditor' }));
    mockDesk({ 'GET /dashboard': { ...fx.dashboard(), drills } });
    render(Dashboard);
    await screen.findByText('Console accounts');
    expect(screen.queryByTestId('drill-reminder')).toBeNull();
  });

  it('names no owner when none is named yet', async () => {
    session.signedIn(me({ role: 'auditor' }));
    mockDesk({
      'GET /dashboard': {
        ...fx.dashboard(),
        drills: { owner: null, next_due: fx.NOW, due_soon: true },
      },
    });
    render(Dashboard);
    expect(await screen.findByTestId('drill-reminder')).toHaveTextContent('owner: not named yet');
  });
});
