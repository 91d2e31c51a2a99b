import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { NewDrill } from '../lib/api';
import { applyLanguage } from '../lib/i18n.svelte';
import { nextWorkingDay } from '../lib/rules';
import { session } from '../lib/session.svelte';
import { failure, me, mockDesk, type Answer } from '../test-fetch';
import * as fx from '../test-fixtures';
import Drills from './Drills.svelte';

function routes(over: Record<string, Answer> = {}): Record<string, Answer> {
  return {
    'GET /drills/programme': fx.programme(),
    'GET /drills': fx.drillSummaries(),
    'GET /drills/trend': fx.drillTrend(),
    'GET /drills/reserved': fx.reservedList(),
    'GET /drills/scenarios': fx.drillScenarios(),
    'GET /dashboard': {
      ...fx.dashboard(),
      checklist: [
        {
          team: 'Finance',
          devices: 10,
          reporting: 5,
          complete: 2,
          steps_done: 20,
          steps_total: 40,
        },
        { team: 'Sales', devices: 20, reporting: 8, complete: 3, steps_done: 30, steps_total: 80 },
      ],
    },
    'GET /drills/d-00112233aabbccdd': fx.drillResults(),
    'GET /drills/d-00112233aabbccdd/people': fx.drillPeople(),
    ...over,
  };
}

async function openNewDrill(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole('button', { name: 'New drill' }));
  const dialog = await screen.findByRole('dialog', { name: 'New drill' });
  await within(dialog).findByRole('radio', { name: /Fake support asking for a code/ });
  await user.type(within(dialog).getByLabelText('Name'), 'December drill');
  return dialog;
}

describe('Drills', () => {
  it('shows the programme, its reminder, the drills with their rates, and hostile text inert', async () => {
    session.signedIn(me({ role: 'auditor' }));
    mockDesk(routes());
    const { container } = render(Drills);
    const row = (await screen.findByText('Q4 code drill')).closest('tr')!;
    expect(row).toHaveTextContent('Fake support asking for a code');
    expect(row).toHaveTextContent('Running');
    expect(row).toHaveTextContent('50%');
    expect(row).toHaveTextContent('16%');
    expect(row).toHaveTextContent('23 min');
    expect(screen.getByText(fx.HOSTILE_SHOWN)).toBeInTheDocument();
    expect(screen.getByTestId('drill-reminder')).toHaveTextContent('owner: Security team');
    expect(screen.getByText('Every 3 months')).toBeInTheDocument();
    expect(container.querySelector('img')).toBeNull();
    // An auditor reads; no action is offered.
    expect(screen.queryByRole('button', { name: 'New drill' })).toBeNull();
    expect(screen.queryByRole('button', { name: /^Remove/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Edit programme' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Add' })).toBeNull();
  });

  it('formats rates and durations in the UI language', async () => {
    applyLanguage('ar');
    session.signedIn(me({ role: 'auditor' }));
    mockDesk(routes());
    render(Drills);
    const row = (await screen.findByText('Q4 code drill')).closest('tr')!;
    const percent = new Intl.NumberFormat('ar', { style: 'percent' }).format(0.5);
    expect(row).toHaveTextContent(percent);
    expect(row).not.toHaveTextContent('50%');
  });

  it('checks the new drill form before sending', async () => {
    const user = userEvent.setup();
    session.signedIn(me({ role: 'admin' }));
    const calls = mockDesk(routes());
    render(Drills);
    const dialog = await openNewDrill(user);
    await user.clear(within(dialog).getByLabelText('Name'));
    await user.click(within(dialog).getByRole('radio', { name: 'Some teams' }));
    const days = within(dialog).getByLabelText('Working days');
    await user.clear(days);
    await user.type(days, '31');
    const hours = within(dialog).getByLabelText('Time to act (hours)');
    await user.clear(hours);
    await user.type(hours, '0');
    const date = within(dialog).getByLabelText('Start date');
    await user.clear(date);
    await user.type(date, '2020-01-06');
    await user.click(within(dialog).getByRole('button', { name: 'Create drill' }));
    expect(within(dialog).getByLabelText('Name')).toHaveAccessibleDescription(/1 to 100/);
    expect(days).toHaveAccessibleDescription(/from 1 to 30/);
    expect(hours).toHaveAccessibleDescription(/from 1 to 336/);
    expect(date).toHaveAccessibleDescription(/not in the past/);
    expect(within(dialog).getByRole('group', { name: 'Audience' })).toHaveAccessibleDescription(
      /at least one team/,
    );
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
  });

  it('previews the lure in four languages and creates a drill for chosen and typed teams', async () => {
    const user = userEvent.setup();
    session.signedIn(me({ role: 'admin' }));
    const calls = mockDesk(
      routes({
        'POST /drills': (c: { body: unknown }) => ({
          ...fx.drillSummaries()[0],
          name: (c.body as NewDrill).name,
        }),
      }),
    );
    render(Drills);
    const dialog = await openNewDrill(user);
    const preview = within(dialog).getByRole('region', {
      name: 'What employees will see, in each language',
    });
    expect(preview.querySelector('[lang="zh-HK"]')).toHaveTextContent('釘釘客服');
    expect(preview.querySelector('[lang="zh-CN"]')).toHaveTextContent('钉钉客服');
    expect(preview.querySelector('[lang="ar"]')).toHaveAttribute('dir', 'rtl');
    expect(preview.querySelector('[lang="en"]')).toHaveTextContent('6-digit verification code');
    await user.click(within(dialog).getByRole('radio', { name: /Account freeze threat/ }));
    expect(preview.querySelector('[lang="en"]')).toHaveTextContent('will be frozen');

    await user.click(within(dialog).getByRole('radio', { name: 'Some teams' }));
    await user.click(await within(dialog).findByRole('checkbox', { name: 'Finance' }));
    await user.type(within(dialog).getByLabelText('Teams (typed in)'), 'Ops, Finance');
    const date = within(dialog).getByLabelText<HTMLInputElement>('Start date');
    expect(date.value).toBe(nextWorkingDay(new Date()));
    await user.click(within(dialog).getByRole('button', { name: 'Create drill' }));
    expect(await screen.findByRole('status')).toHaveTextContent(
      'The drill December drill was created.',
    );
    const body = calls.find((c) => c.method === 'POST' && c.path === '/drills')?.body as NewDrill;
    expect(body).toEqual({
      name: 'December drill',
      scenario: 'freeze_threat',
      number: '+85230000001',
      link: 'https://drill.acme.example/v',
      audience: { teams: ['Finance', 'Ops'] },
      start: Math.floor(new Date(`${date.value}T09:00`).getTime() / 1000),
      working_days: 10,
      act_hours: 72,
    });
  });

  it('shows the desk refusals by their field', async () => {
    const user = userEvent.setup();
    session.signedIn(me({ role: 'admin' }));
    const answers = [
      failure(400, 'invalid_input', { field: 'start' }),
      failure(400, 'invalid_input', { field: 'audience' }),
      failure(400, 'invalid_input', { field: 'mystery' }),
      failure(409, 'conflict'),
    ];
    mockDesk(routes({ 'POST /drills': () => answers.shift() }));
    render(Drills);
    const dialog = await openNewDrill(user);
    const create = within(dialog).getByRole('button', { name: 'Create drill' });
    await user.click(create);
    await waitFor(() =>
      expect(within(dialog).getByLabelText('Start time')).toHaveAccessibleDescription(
        /not in the past/,
      ),
    );
    await user.click(create);
    await waitFor(() =>
      expect(within(dialog).getByRole('group', { name: 'Audience' })).toHaveAccessibleDescription(
        /enrolled devices/,
      ),
    );
    expect(within(dialog).getByLabelText('Start time')).not.toHaveAttribute('aria-invalid');
    await user.click(create);
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'The desk refused the field mystery.',
    );
    await user.click(create);
    await waitFor(() =>
      expect(within(dialog).getByRole('alert')).toHaveAttribute('data-code', 'conflict'),
    );
  });

  it('manages the reserved list: checks, adds, and shows a refused removal', async () => {
    const user = userEvent.setup();
    session.signedIn(me({ role: 'admin' }));
    const added = [
      ...fx.reservedList(),
      {
        id: 3,
        kind: 'number',
        value: '+85230000002',
        label: 'Drill line 2',
        added_by: 'alice',
        added_at: fx.NOW,
      },
    ];
    const calls = mockDesk(
      routes({
        'POST /drills/reserved': added,
        'POST /drills/reserved/1/remove': failure(409, 'conflict'),
      }),
    );
    render(Drills);
    const value = await screen.findByLabelText('Number or link');
    await user.type(value, '85230000002');
    await user.click(screen.getByRole('button', { name: 'Add' }));
    expect(value).toHaveAccessibleDescription(/\+ and 8 to 15 digits/);
    expect(screen.getByLabelText('Label')).toHaveAttribute('aria-invalid', 'true');
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    await user.clear(value);
    await user.type(value, '+85230000002');
    await user.type(screen.getByLabelText('Label'), 'Drill line 2');
    await user.click(screen.getByRole('button', { name: 'Add' }));
    expect(await screen.findByText('Drill line 2')).toBeInTheDocument();
    expect(calls.find((c) => c.path === '/drills/reserved' && c.method === 'POST')?.body).toEqual({
      kind: 'number',
      value: '+85230000002',
      label: 'Drill line 2',
    });

    await user.click(screen.getByRole('radio', { name: 'Link' }));
    await user.type(value, 'http://drill.acme.example/x');
    await user.type(screen.getByLabelText('Label'), 'x');
    await user.click(screen.getByRole('button', { name: 'Add' }));
    expect(value).toHaveAccessibleDescription(/https:\/\//);

    await user.click(screen.getByRole('button', { name: 'Remove: +85230000001' }));
    const dialog = await screen.findByRole('dialog', { name: 'Remove' });
    await user.click(within(dialog).getByRole('button', { name: 'Remove' }));
    expect(await within(dialog).findByRole('alert')).toHaveAttribute('data-code', 'conflict');
  });

  it('shows an admin the individual results only when asked, saying the view is logged', async () => {
    const user = userEvent.setup();
    session.signedIn(me({ role: 'admin' }));
    const calls = mockDesk(routes());
    render(Drills);
    await user.click(await screen.findByRole('button', { name: 'Results: Q4 code drill' }));
    const heading = await screen.findByRole('heading', { level: 1, name: 'Q4 code drill' });
    await waitFor(() => expect(heading).toHaveFocus());
    const finance = screen.getByRole('rowheader', { name: 'Finance' }).closest('tr')!;
    expect(finance).toHaveTextContent('60%');
    expect(finance).toHaveTextContent('10 min');
    expect(screen.getByRole('link', { name: 'Download CSV' })).toHaveAttribute(
      'href',
      '/console/api/drills/d-00112233aabbccdd/export.csv',
    );
    expect(screen.getByRole('link', { name: 'Download PDF report' })).toHaveAttribute(
      'href',
      '/console/api/drills/d-00112233aabbccdd/export.pdf',
    );
    expect(screen.getByText(/each view is written to the operation log/)).toBeInTheDocument();
    expect(calls.some((c) => c.path.endsWith('/people'))).toBe(false);
    await user.click(screen.getByRole('button', { name: 'Show individual results' }));
    const person = (await screen.findByText('Chan Tai Man')).closest('tr')!;
    expect(person).toHaveTextContent('Engaged');
    expect(person).toHaveTextContent('typed a code');
    expect(person).toHaveTextContent('Yes');
    expect(calls.filter((c) => c.path.endsWith('/people'))).toHaveLength(1);
  });

  it.each(['auditor', 'analyst'] as const)(
    'never shows nor asks for individual results as %s',
    async (role) => {
      const user = userEvent.setup();
      session.signedIn(me({ role }));
      const calls = mockDesk(routes());
      render(Drills);
      await user.click(await screen.findByRole('button', { name: 'Results: Q4 code drill' }));
      await screen.findByRole('rowheader', { name: 'Finance' });
      expect(screen.queryByRole('heading', { name: 'Individual results' })).toBeNull();
      expect(screen.queryByRole('button', { name: 'Show individual results' })).toBeNull();
      expect(screen.queryByRole('button', { name: 'Cancel drill' })).toBeNull();
      expect(screen.queryByText('Chan Tai Man')).toBeNull();
      expect(calls.some((c) => c.path.endsWith('/people'))).toBe(false);
    },
  );

  it('cancels a running drill (admin)', async () => {
    const user = userEvent.setup();
    session.signedIn(me({ role: 'admin' }));
    const calls = mockDesk(
      routes({
        'POST /drills/d-00112233aabbccdd/cancel': {
          ...fx.drillSummaries()[0],
          state: 'cancelled',
          cancelled_at: fx.NOW,
        },
      }),
    );
    render(Drills);
    await user.click(await screen.findByRole('button', { name: 'Results: Q4 code drill' }));
    await user.click(await screen.findByRole('button', { name: 'Cancel drill' }));
    const dialog = await screen.findByRole('dialog', { name: 'Cancel drill' });
    await user.click(within(dialog).getByRole('button', { name: 'Cancel drill' }));
    expect(await screen.findByRole('status')).toHaveTextContent('The drill was cancelled.');
    expect(calls.some((c) => c.path === '/drills/d-00112233aabbccdd/cancel')).toBe(true);
    expect(screen.queryByRole('button', { name: 'Cancel drill' })).toBeNull();
  });

  it('saves the programme (admin)', async () => {
    const user = userEvent.setup();
    session.signedIn(me({ role: 'admin' }));
    const calls = mockDesk(
      routes({
        'PUT /drills/programme': fx.programme({ owner: 'Lee', every_months: 6, due_soon: false }),
      }),
    );
    render(Drills);
    await user.click(await screen.findByRole('button', { name: 'Edit programme' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit programme' });
    const owner = within(dialog).getByLabelText('Drill owner');
    expect(owner).toHaveValue('Security team');
    expect(within(dialog).getByLabelText('How often')).toHaveValue('3');
    await user.clear(owner);
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(owner).toHaveAttribute('aria-invalid', 'true');
    await user.type(owner, 'Lee');
    await user.selectOptions(within(dialog).getByLabelText('How often'), '6');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Every 6 months')).toBeInTheDocument();
    expect(screen.queryByTestId('drill-reminder')).toBeNull();
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ owner: 'Lee', every_months: 6 });
  });
});
