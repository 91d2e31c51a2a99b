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
    expect(await screen.findByText('+85255550101')).toBeInTheDocument();
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
      'GET /reports/11': groupDetail(11),
      'POST /reports/11/confirm': { ...groupDetail(11), status: 'confirmed' },
    });
    render(Reports);
    await user.click(await screen.findByRole('button', { name: 'Open report of +85255550101' }));
    const drawer = await screen.findByRole('dialog', { name: 'Reported item' });
    expect(await within(drawer).findByText('Chan Tai Man')).toBeInTheDocument();
    expect(within(drawer).getByText(/<b>called me<\/b>/)).toBeInTheDocument();
    expect(drawer.querySelector('a, b')).toBeNull();

    // A number has no scope: the choice of address or domain is for links only.
    expect(within(drawer).queryByRole('radio', { name: 'The whole domain' })).toBeNull();
    expect(within(drawer).getByText('What Verity found').nextElementSibling).toHaveTextContent(
      'Fake technical support, urgent_payment',
    );
    await user.selectOptions(within(drawer).getByLabelText('Category'), 'freeze_threat');
    await user.type(
      within(drawer).getByLabelText('Why you confirm it (required, up to 500 characters)'),
      'bank impersonation',
    );
    await user.click(within(drawer).getByRole('button', { name: 'Confirm' }));
    expect(await screen.findByRole('status')).toHaveTextContent(
      'Confirmed. It will be in the next',
    );
    const confirm = calls.find((c) => c.path === '/reports/11/confirm');
    expect(confirm?.body).toEqual({ category: 'freeze_threat', reason: 'bank impersonation' });
    expect(confirm?.headers['Content-Type']).toBe('application/json');
  });

  it('requires a reason to reject, and shows the desk refusal at the field', async () => {
    const user = userEvent.setup();
    signedInAs('analyst');
    const calls = mockDesk({
      'GET /reports': groups(),
      'GET /reports/11': groupDetail(11),
      'POST /reports/11/reject': failure(400, 'invalid_input', { field: 'reason' }),
    });
    render(Reports);
    await user.click(await screen.findByRole('button', { name: 'Open report of +85255550101' }));
    const drawer = await screen.findByRole('dialog');
    await within(drawer).findByText('Chan Tai Man');
    const reason = within(drawer).getByLabelText('Reason (required, up to 500 characters)');
    await user.click(within(drawer).getByRole('button', { name: 'Reject' }));
    expect(reason).toHaveAccessibleDescription('Give a reason (1 to 500 characters).');
    expect(calls.some((c) => c.path === '/reports/11/reject')).toBe(false);

    await user.type(reason, 'x');
    await user.click(within(drawer).getByRole('button', { name: 'Reject' }));
    await waitFor(() => expect(reason).toHaveAttribute('aria-invalid', 'true'));
    expect(calls.find((c) => c.path === '/reports/11/reject')?.body).toEqual({ reason: 'x' });
  });

  it('shows an auditor no action buttons', async () => {
    const user = userEvent.setup();
    signedInAs('auditor');
    mockDesk({ 'GET /reports': groups(), 'GET /reports/11': groupDetail(11) });
    render(Reports);
    await user.click(await screen.findByRole('button', { name: 'Open report of +85255550101' }));
    const drawer = await screen.findByRole('dialog');
    await within(drawer).findByText('Chan Tai Man');
    expect(within(drawer).queryByRole('button', { name: 'Confirm' })).toBeNull();
    expect(within(drawer).queryByRole('button', { name: 'Reject' })).toBeNull();
  });

  it('asks whether to block the address or the whole domain for a link, and sends the scope', async () => {
    const user = userEvent.setup();
    signedInAs('analyst');
    const link = { ...groupDetail(12), item: 'https://evil.example/pay' };
    const calls = mockDesk({
      'GET /reports': groups().map((g) => (g.id === 12 ? { ...g, item: link.item } : g)),
      'GET /reports/12': link,
      'POST /reports/12/confirm': { ...link, status: 'confirmed' },
    });
    render(Reports);
    await user.click(
      await screen.findByRole('button', { name: 'Open report of https://evil.example/pay' }),
    );
    const drawer = await screen.findByRole('dialog');
    await within(drawer).findByText('Chan Tai Man');
    expect(within(drawer).getByLabelText('Category')).toHaveValue('phishing');
    expect(within(drawer).getByRole('radio', { name: 'This address only' })).toBeChecked();
    await user.click(within(drawer).getByRole('radio', { name: 'The whole domain' }));
    await user.type(
      within(drawer).getByLabelText('Why you confirm it (required, up to 500 characters)'),
      'seen twice',
    );
    await user.click(within(drawer).getByRole('button', { name: 'Confirm' }));
    await waitFor(() =>
      expect(calls.find((c) => c.path === '/reports/12/confirm')?.body).toEqual({
        category: 'phishing',
        reason: 'seen twice',
        scope: 'domain',
      }),
    );
  });

  it('words an appeal, asks the allowlist name and sends it when upholding', async () => {
    const user = userEvent.setup();
    signedInAs('analyst');
    const calls = mockDesk({
      'GET /reports': groups(),
      'GET /reports/13': groupDetail(13),
      'POST /reports/13/confirm': { ...groupDetail(13), status: 'confirmed' },
    });
    render(Reports);
    expect(
      await screen.findByText(/Dispute: the employee says this is genuine/),
    ).toBeInTheDocument();
    expect(screen.getByText('Remote-control tool started')).toBeInTheDocument();
    await user.click(
      screen.getByRole('button', { name: 'Open report of https://bank.example/login' }),
    );
    const drawer = await screen.findByRole('dialog');
    await within(drawer).findByText('Chan Tai Man');
    expect(
      within(drawer).getByText(/list of known contacts in the next feed version/),
    ).toBeInTheDocument();
    expect(within(drawer).queryByRole('radio', { name: 'The whole domain' })).toBeNull();
    await user.type(
      within(drawer).getByLabelText('Why you confirm it (required, up to 500 characters)'),
      'seen twice',
    );
    const label = within(drawer).getByLabelText('Name for the allowlist (who it is)');
    await user.click(within(drawer).getByRole('button', { name: 'Uphold the appeal' }));
    expect(label).toHaveAccessibleDescription(/Give a name \(1 to 80 characters\)/);
    expect(calls.some((c) => c.path === '/reports/13/confirm')).toBe(false);

    await user.type(label, ' Bank of Example sign-in ');
    await user.click(within(drawer).getByRole('button', { name: 'Uphold the appeal' }));
    expect(await screen.findByRole('status')).toHaveTextContent('The appeal was upheld.');
    expect(calls.find((c) => c.path === '/reports/13/confirm')?.body).toEqual({
      category: 'fake_support',
      reason: 'seen twice',
      label: 'Bank of Example sign-in',
    });
  });

  it('shows the desk refusal of the allowlist name at its field', async () => {
    const user = userEvent.setup();
    signedInAs('analyst');
    mockDesk({
      'GET /reports': groups(),
      'GET /reports/13': groupDetail(13),
      'POST /reports/13/confirm': failure(400, 'invalid_input', { field: 'label' }),
    });
    render(Reports);
    await user.click(
      await screen.findByRole('button', { name: 'Open report of https://bank.example/login' }),
    );
    const drawer = await screen.findByRole('dialog');
    await within(drawer).findByText('Chan Tai Man');
    await user.type(
      within(drawer).getByLabelText('Why you confirm it (required, up to 500 characters)'),
      'seen twice',
    );
    const label = within(drawer).getByLabelText('Name for the allowlist (who it is)');
    await user.type(label, 'Bank');
    await user.click(within(drawer).getByRole('button', { name: 'Uphold the appeal' }));
    await waitFor(() => expect(label).toHaveAttribute('aria-invalid', 'true'));
    expect(screen.getByRole('dialog')).toBeInTheDocument();
  });

  it('does not ask a name for a number it confirms', async () => {
    const user = userEvent.setup();
    signedInAs('analyst');
    mockDesk({ 'GET /reports': groups(), 'GET /reports/11': groupDetail(11) });
    render(Reports);
    await user.click(await screen.findByRole('button', { name: 'Open report of +85255550101' }));
    const drawer = await screen.findByRole('dialog');
    await within(drawer).findByText('Chan Tai Man');
    expect(within(drawer).queryByLabelText('Name for the allowlist (who it is)')).toBeNull();
  });
});
