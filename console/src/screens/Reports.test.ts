import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { session } from '../lib/session.svelte';
import { failure, me, mockDesk } from '../test-fetch';
import { HOSTILE_SHOWN, groupDetail, groups } from '../test-fixtures';
import Reports from './Reports.svelte';

function signedInAs(role: 'admin' | 'analyst' | 'auditor'): void {
  session.signedIn(me({ role }));
}

describe('Reports', () => {
  it('lists groups and renders a hostile item as inert text', async () => {
    signedInAs('analyst');
    mockDesk({ 'GET /reports': groups() });
    const { container } = render(Reports);
    expect(await screen.findByText('+852 5555 0101')).toBeInTheDocument();
    expect(screen.getByText(HOSTILE_SHOWN)).toBeInTheDocument();
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('table a')).toBeNull();
    expect((window as unknown as { pwned?: number }).pwned).toBeUndefined();
  });

  it('switches the status filter', async () => {
    const user = userEvent.setup();
    signedInAs('analyst');
    const calls = mockDesk({ 'GET /reports': [] });
    render(Reports);
    await screen.findByText('No reports with this status.');
    await user.click(screen.getByRole('radio', { name: 'Rejected' }));
    await waitFor(() => expect(calls.at(-1)?.url).toBe('/console/api/reports?status=rejected'));
  });

  it('opens a group, shows its reports with notes as text, and confirms it', async () => {
    const user = userEvent.setup();
    signedInAs('analyst');
    const calls = mockDesk({
      'GET /me': me({ role: 'analyst' }),
      'GET /reports': groups(),
      'GET /reports/g1': groupDetail('g1'),
      'POST /reports/g1/confirm': { ...groups()[0], status: 'confirmed' },
    });
    render(Reports);
    await user.click(await screen.findByRole('button', { name: 'Open report of +852 5555 0101' }));
    const drawer = await screen.findByRole('dialog', { name: 'Reported item' });
    expect(await within(drawer).findByText('E1024 Chan Tai Man')).toBeInTheDocument();
    expect(within(drawer).getByText(/<b>called me<\/b>/)).toBeInTheDocument();
    expect(drawer.querySelector('a, b')).toBeNull();

    await user.selectOptions(within(drawer).getByLabelText('Category'), 'impersonation');
    await user.type(within(drawer).getByLabelText('Reason (optional)'), 'bank impersonation');
    await user.click(within(drawer).getByRole('button', { name: 'Confirm' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Confirmed.');
    const confirm = calls.find((c) => c.path === '/reports/g1/confirm');
    expect(confirm?.body).toEqual({ category: 'impersonation', reason: 'bank impersonation' });
    expect(confirm?.headers['Content-Type']).toBe('application/json');
  });

  it('requires a reason to reject, and shows the desk refusal at the field', async () => {
    const user = userEvent.setup();
    signedInAs('analyst');
    const calls = mockDesk({
      'GET /reports': groups(),
      'GET /reports/g1': groupDetail('g1'),
      'POST /reports/g1/reject': failure(400, 'invalid_input', { field: 'reason' }),
    });
    render(Reports);
    await user.click(await screen.findByRole('button', { name: 'Open report of +852 5555 0101' }));
    const drawer = await screen.findByRole('dialog');
    await within(drawer).findByText('E1024 Chan Tai Man');
    const reason = within(drawer).getByLabelText('Reason (required, up to 500 characters)');
    await user.click(within(drawer).getByRole('button', { name: 'Reject' }));
    expect(reason).toHaveAccessibleDescription('Give a reason (1 to 500 characters).');
    expect(calls.some((c) => c.path === '/reports/g1/reject')).toBe(false);

    await user.type(reason, 'x');
    await user.click(within(drawer).getByRole('button', { name: 'Reject' }));
    await waitFor(() => expect(reason).toHaveAttribute('aria-invalid', 'true'));
    expect(calls.find((c) => c.path === '/reports/g1/reject')?.body).toEqual({ reason: 'x' });
  });

  it('shows an auditor no action buttons', async () => {
    const user = userEvent.setup();
    signedInAs('auditor');
    mockDesk({ 'GET /reports': groups(), 'GET /reports/g1': groupDetail('g1') });
    render(Reports);
    await user.click(await screen.findByRole('button', { name: 'Open report of +852 5555 0101' }));
    const drawer = await screen.findByRole('dialog');
    await within(drawer).findByText('E1024 Chan Tai Man');
    expect(within(drawer).queryByRole('button', { name: 'Confirm' })).toBeNull();
    expect(within(drawer).queryByRole('button', { name: 'Reject' })).toBeNull();
  });
});
