import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { session } from '../lib/session.svelte';
import { failure, me, mockDesk } from '../test-fetch';
import { NOW, codes } from '../test-fixtures';
import Codes from './Codes.svelte';

const ISSUED = {
  id: 'c0de03',
  code: 'K7QF-2M9X-PL4D',
  link: 'https://desk.example/enrol#K7QF-2M9X-PL4D',
  expires_at: NOW + 3 * 86_400,
};

async function fillForm(user: ReturnType<typeof userEvent.setup>, team: string) {
  await user.click(await screen.findByRole('button', { name: 'Issue a code' }));
  const dialog = await screen.findByRole('dialog', { name: 'Issue a code' });
  await user.type(within(dialog).getByLabelText('Employee id'), 'E3003');
  await user.type(within(dialog).getByLabelText('Employee name'), 'Lam Mei Ling');
  if (team) await user.type(within(dialog).getByLabelText('Team (optional)'), team);
  return dialog;
}

describe('Codes', () => {
  it('issues a code with a team and shows the card', async () => {
    const user = userEvent.setup();
    session.signedIn(me({ role: 'admin' }));
    const calls = mockDesk({ 'GET /codes': codes(), 'POST /codes': ISSUED });
    render(Codes);
    const dialog = await fillForm(user, '  Hong Kong desk ');
    await user.click(within(dialog).getByRole('button', { name: 'Issue a code' }));
    expect(await screen.findByRole('article', { name: 'Verity enrolment' })).toHaveTextContent(
      'K7QF-2M9X-PL4D',
    );
    expect(calls.find((c) => c.method === 'POST' && c.path === '/codes')?.body).toEqual({
      employee: 'E3003',
      name: 'Lam Mei Ling',
      ttl: '72h',
      team: 'Hong Kong desk',
    });
  });

  it('omits a blank team', async () => {
    const user = userEvent.setup();
    session.signedIn(me({ role: 'admin' }));
    const calls = mockDesk({ 'GET /codes': codes(), 'POST /codes': ISSUED });
    render(Codes);
    const dialog = await fillForm(user, '');
    await user.click(within(dialog).getByRole('button', { name: 'Issue a code' }));
    await screen.findByRole('article', { name: 'Verity enrolment' });
    expect(calls.find((c) => c.method === 'POST' && c.path === '/codes')?.body).toEqual({
      employee: 'E3003',
      name: 'Lam Mei Ling',
      ttl: '72h',
    });
  });

  it('shows the desk refusal of the team at the team field', async () => {
    const user = userEvent.setup();
    session.signedIn(me({ role: 'admin' }));
    mockDesk({
      'GET /codes': codes(),
      'POST /codes': failure(400, 'invalid_input', { field: 'team' }),
    });
    render(Codes);
    const dialog = await fillForm(user, 'Sales');
    await user.click(within(dialog).getByRole('button', { name: 'Issue a code' }));
    const team = within(dialog).getByLabelText('Team (optional)');
    await waitFor(() => expect(team).toHaveAttribute('aria-invalid', 'true'));
    expect(within(dialog).getByLabelText('Employee id')).not.toHaveAttribute('aria-invalid');
  });

  it('shows an auditor no action buttons', async () => {
    session.signedIn(me({ role: 'auditor' }));
    mockDesk({ 'GET /codes': codes() });
    render(Codes);
    await screen.findByText('Lee Ka Yan');
    expect(screen.queryByRole('button', { name: 'Issue a code' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Revoke/ })).toBeNull();
  });
});
