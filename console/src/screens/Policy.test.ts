import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { session } from '../lib/session.svelte';
import { failure, me, mockDesk } from '../test-fetch';
import { NOW, policy } from '../test-fixtures';
import Policy from './Policy.svelte';

describe('Policy', () => {
  it('shows the policy and saves a changed one', async () => {
    const user = userEvent.setup();
    session.signedIn(me({ role: 'admin' }));
    const calls = mockDesk({
      'GET /policy': policy(),
      'PUT /policy': { regions: ['HK'], cidrs: ['192.168.0.0/16'], updated_at: NOW },
    });
    render(Policy);
    const regions = await screen.findByLabelText('Allowed regions');
    expect(regions).toHaveValue('HK, MO');
    await user.clear(regions);
    await user.type(regions, 'hk');
    const cidrs = screen.getByLabelText('Allowed address ranges');
    await user.clear(cidrs);
    await user.type(cidrs, '192.168.0.0/16');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('status')).toHaveTextContent('The policy was saved.');
    const put = calls.find((c) => c.method === 'PUT');
    expect(put?.path).toBe('/policy');
    expect(put?.body).toEqual({ regions: ['HK'], cidrs: ['192.168.0.0/16'] });
    expect(put?.headers['Content-Type']).toBe('application/json');
  });

  it('checks the codes and ranges, and shows the desk refusal at the field', async () => {
    const user = userEvent.setup();
    session.signedIn(me({ role: 'admin' }));
    const calls = mockDesk({
      'GET /policy': policy(),
      'PUT /policy': failure(400, 'invalid_input', { field: 'cidrs' }),
    });
    render(Policy);
    const cidrs = await screen.findByLabelText('Allowed address ranges');
    await user.type(cidrs, ', 10.0.0.0/99');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(cidrs).toHaveAccessibleDescription(/Write address ranges like 10.0.0.0\/8/);
    expect(calls.some((c) => c.method === 'PUT')).toBe(false);

    await user.clear(cidrs);
    await user.type(cidrs, '10.0.0.0/8');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(cidrs).toHaveAttribute('aria-invalid', 'true'));
    expect(screen.getByLabelText('Allowed regions')).not.toHaveAttribute('aria-invalid');
  });

  it('shows the desk refusal of the regions at that field', async () => {
    const user = userEvent.setup();
    session.signedIn(me({ role: 'admin' }));
    mockDesk({
      'GET /policy': policy(),
      'PUT /policy': failure(400, 'invalid_input', { field: 'regions' }),
    });
    render(Policy);
    const regions = await screen.findByLabelText('Allowed regions');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(regions).toHaveAttribute('aria-invalid', 'true'));
  });

  it('removes the policy after a confirmation that says what it means', async () => {
    const user = userEvent.setup();
    session.signedIn(me({ role: 'admin' }));
    const calls = mockDesk({ 'GET /policy': policy(), 'PUT /policy': null });
    render(Policy);
    await user.click(await screen.findByRole('button', { name: 'Remove the policy' }));
    const dialog = await screen.findByRole('dialog', { name: 'Remove the policy' });
    expect(dialog).toHaveTextContent('Without a policy, the region check passes with a warning');
    await user.click(within(dialog).getByRole('button', { name: 'Remove the policy' }));
    expect(await screen.findByRole('status')).toHaveTextContent('The policy was removed.');
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ regions: [], cidrs: [] });
    expect(screen.getByText(/No policy is set/)).toBeInTheDocument();
    expect(screen.getByLabelText('Allowed regions')).toHaveValue('');
  });

  it('shows an auditor the policy with no form', async () => {
    session.signedIn(me({ role: 'auditor' }));
    mockDesk({ 'GET /policy': null });
    render(Policy);
    expect(await screen.findByText(/No policy is set/)).toBeInTheDocument();
    expect(screen.queryByRole('button')).toBeNull();
    expect(screen.queryByLabelText('Allowed regions')).toBeNull();
  });
});
