import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { session } from '../lib/session.svelte';
import { failure, me, mockDesk } from '../test-fetch';
import { HOSTILE_SHOWN, NOW, agents } from '../test-fixtures';
import Agents from './Agents.svelte';

const ISSUED = {
  id: 'ag03',
  code: 'R2TX-8HNB-QW5C',
  link: 'https://desk.example/enrol#R2TX-8HNB-QW5C',
  expires_at: NOW + 3 * 86_400,
};

async function openForm(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole('button', { name: 'Issue an agent code' }));
  const dialog = await screen.findByRole('dialog', { name: 'Issue an agent code' });
  await user.type(within(dialog).getByLabelText('Name'), 'Lau Ka Wai');
  await user.selectOptions(within(dialog).getByLabelText('Role'), 'supervisor');
  await user.type(within(dialog).getByLabelText('Team'), 'Hong Kong desk');
  await user.type(within(dialog).getByLabelText('Languages'), 'zh-HK, en');
  await user.type(within(dialog).getByLabelText('Regions'), 'hk, MO');
  await user.type(within(dialog).getByLabelText('Skills'), 'billing, account');
  const capacity = within(dialog).getByLabelText('Capacity');
  await user.clear(capacity);
  await user.type(capacity, '12');
  return dialog;
}

describe('Agents', () => {
  it('lists agents with their profile, and a hostile name as inert text', async () => {
    session.signedIn(me({ role: 'admin' }));
    mockDesk({ 'GET /agents': agents() });
    const { container } = render(Agents);
    const row = (await screen.findByText('Wong Siu Ming')).closest('tr')!;
    expect(row).toHaveTextContent('Supervisor');
    expect(row).toHaveTextContent('zh-HK, en');
    expect(row).toHaveTextContent('HK, MO');
    expect(row).toHaveTextContent('billing, account');
    expect(row).toHaveTextContent('Active');
    expect(screen.getByText(HOSTILE_SHOWN)).toBeInTheDocument();
    expect(screen.getByText('Left the company')).toBeInTheDocument();
    expect(container.querySelector('img')).toBeNull();
    expect(screen.getAllByRole('button', { name: /^Revoke agent/ })).toHaveLength(1);
  });

  it('issues an agent code from the profile and shows the printable card', async () => {
    const user = userEvent.setup();
    session.signedIn(me({ role: 'admin' }));
    const calls = mockDesk({ 'GET /agents': agents(), 'POST /agents': ISSUED });
    render(Agents);
    const dialog = await openForm(user);
    await user.click(within(dialog).getByRole('button', { name: 'Issue an agent code' }));
    const card = await screen.findByRole('article', { name: 'Verity support agent enrolment' });
    expect(card).toHaveTextContent('R2TX-8HNB-QW5C');
    expect(card).toHaveTextContent('For Lau Ka Wai');
    expect(calls.find((c) => c.method === 'POST' && c.path === '/agents')?.body).toEqual({
      profile: {
        name: 'Lau Ka Wai',
        role: 'supervisor',
        team: 'Hong Kong desk',
        languages: ['zh-HK', 'en'],
        regions: ['HK', 'MO'],
        skills: ['billing', 'account'],
        capacity: 12,
      },
      ttl: '72h',
    });
  });

  it('checks the capacity and languages before sending', async () => {
    const user = userEvent.setup();
    session.signedIn(me({ role: 'admin' }));
    const calls = mockDesk({ 'GET /agents': agents(), 'POST /agents': ISSUED });
    render(Agents);
    const dialog = await openForm(user);
    const capacity = within(dialog).getByLabelText('Capacity');
    await user.clear(capacity);
    await user.type(capacity, '51');
    const languages = within(dialog).getByLabelText('Languages');
    await user.clear(languages);
    await user.click(within(dialog).getByRole('button', { name: 'Issue an agent code' }));
    expect(capacity).toHaveAccessibleDescription(/Enter a whole number from 1 to 50/);
    expect(languages).toHaveAttribute('aria-invalid', 'true');
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
  });

  it('shows the desk refusal of the profile and of the validity', async () => {
    const user = userEvent.setup();
    session.signedIn(me({ role: 'admin' }));
    const answers = [
      failure(400, 'invalid_input', { field: 'profile' }),
      failure(400, 'invalid_input', { field: 'ttl' }),
    ];
    mockDesk({ 'GET /agents': agents(), 'POST /agents': () => answers.shift() });
    render(Agents);
    const dialog = await openForm(user);
    await user.click(within(dialog).getByRole('button', { name: 'Issue an agent code' }));
    const profile = within(dialog).getByRole('group', { name: 'Agent profile' });
    await waitFor(() => expect(profile).toHaveAccessibleDescription(/refused this profile/));
    await user.click(within(dialog).getByRole('button', { name: 'Issue an agent code' }));
    await waitFor(() =>
      expect(within(dialog).getByLabelText('Valid for')).toHaveAttribute('aria-invalid', 'true'),
    );
    expect(profile).not.toHaveAccessibleDescription(/refused/);
  });

  it('revokes an agent with a required reason', async () => {
    const user = userEvent.setup();
    session.signedIn(me({ role: 'admin' }));
    const calls = mockDesk({
      'GET /agents': agents(),
      'POST /agents/ag01/revoke': { ...agents()[0], revoked_at: NOW, revoke_reason: 'Moved' },
    });
    render(Agents);
    await user.click(await screen.findByRole('button', { name: 'Revoke agent: Wong Siu Ming' }));
    const dialog = await screen.findByRole('dialog', { name: 'Revoke agent' });
    await user.click(within(dialog).getByRole('button', { name: 'Revoke agent' }));
    expect(calls.some((c) => c.path === '/agents/ag01/revoke')).toBe(false);
    await user.type(within(dialog).getByLabelText('Reason (required)'), 'Moved team');
    await user.click(within(dialog).getByRole('button', { name: 'Revoke agent' }));
    expect(await screen.findByRole('status')).toHaveTextContent('The agent was revoked.');
    expect(calls.find((c) => c.path === '/agents/ag01/revoke')?.body).toEqual({
      reason: 'Moved team',
    });
  });

  it('shows an auditor no action buttons', async () => {
    session.signedIn(me({ role: 'auditor' }));
    mockDesk({ 'GET /agents': agents() });
    render(Agents);
    await screen.findByText('Wong Siu Ming');
    expect(screen.queryByRole('button', { name: 'Issue an agent code' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Revoke/ })).toBeNull();
  });
});
