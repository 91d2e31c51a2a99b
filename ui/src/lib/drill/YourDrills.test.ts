import { render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import DrillStep from '../checklist/DrillStep.svelte';
import { applyLanguage } from '../i18n';
import { drillFixtures, emitDrillChanged } from '../ipc/drill-testing';
import { mockBackend, type Backend } from '../ipc/testing';

describe('Your drills on the checklist step 4', () => {
  let backend: Backend;
  beforeEach(() => {
    backend = mockBackend();
  });

  it('lists the employee’s own drills: date, scenario, outcome, time to report', async () => {
    backend.drills.drills = drillFixtures.pastDrills();
    render(DrillStep, { onrecorded: () => undefined });
    const table = await screen.findByRole('table', { name: 'Your drills' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(
      rows.map((r) =>
        within(r)
          .getAllByRole('cell')
          .map((c) => c.textContent?.trim()),
      ),
    ).toEqual([
      ['Mar 2, 2026', 'Account freeze threat', 'Reported You reported it to IT.', '4 min'],
      [
        'Dec 2, 2025',
        'Fake support asking for a code',
        'Fell for it You typed a code into the chat.',
        '–',
      ],
      ['Sep 3, 2025', 'Fake paid upgrade', 'Ignored You did not answer in time.', '–'],
    ]);
  });

  it('says when no drill reached the employee, and reloads when the drills change', async () => {
    render(DrillStep, { onrecorded: () => undefined });
    expect(await screen.findByText('No drill has reached you yet.')).toBeVisible();
    backend.drills.drills = [drillFixtures.notificationDrill()];
    await emitDrillChanged();
    const table = await screen.findByRole('table', { name: 'Your drills' });
    expect(table).toHaveTextContent('Not answered yet');
  });

  it('words the list in Arabic', async () => {
    applyLanguage('ar');
    backend.drills.drills = drillFixtures.pastDrills().slice(0, 1);
    render(DrillStep, { onrecorded: () => undefined });
    const table = await screen.findByRole('table', { name: 'تمريناتك' });
    await waitFor(() => expect(table).toHaveTextContent('تهديد بتجميد الحساب'));
    expect(table).toHaveTextContent('تم الإبلاغ');
  });
});
