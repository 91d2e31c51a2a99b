import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { applyLanguage } from '../i18n';
import { fail, mockBackend } from '../ipc/testing';
import { LOCKED, emitTripwireRaised, tripwireFixtures } from '../ipc/tripwire-testing';
import TripwireSettings from './TripwireSettings.svelte';

const REMOTE = 'Warn me when remote-access software starts';
const CODE = 'Remind me when I copy a one-time code';

describe('the warning-sign settings', () => {
  it('show both switches with what they do, the Downloads folder, and no tools when none', async () => {
    mockBackend();
    render(TripwireSettings);
    const section = await screen.findByRole('region', { name: 'Warning signs' });
    const remote = within(section).getByRole('switch', { name: REMOTE });
    expect(remote).toBeChecked();
    expect(remote).toBeEnabled();
    expect(remote).toHaveAccessibleDescription(/Real support never asks you to install or open/);
    expect(remote).toHaveAccessibleDescription(/If someone on the phone asks you to turn this off/);

    const code = within(section).getByRole('switch', { name: CODE });
    expect(code).not.toBeChecked();
    expect(code).toHaveAccessibleDescription(/at most once an hour/);
    expect(code).toHaveAccessibleDescription(/never stores it or sends it anywhere/);
    expect(code).toHaveAccessibleDescription(/the reminder never shows the digits/);

    const downloads = within(section).getByText('/home/ada/Downloads');
    expect(downloads.tagName).toBe('BDI');
    expect(downloads).toHaveAttribute('dir', 'ltr');
    expect(within(section).queryByTestId('tripwire-tools')).toBeNull();
  });

  it('turn the remote-access warning off and on, and the code reminder on', async () => {
    const backend = mockBackend();
    render(TripwireSettings);
    const remote = await screen.findByRole('switch', { name: REMOTE });
    await userEvent.click(remote);
    await waitFor(() => expect(backend.tripwires.status.remote).toBe(false));
    expect(remote).not.toBeChecked();
    await userEvent.click(remote);
    await waitFor(() => expect(backend.tripwires.status.remote).toBe(true));
    expect(backend.callsTo('set_remote_tripwire').map((c) => c.args)).toEqual([
      { enabled: false },
      { enabled: true },
    ]);

    const code = screen.getByRole('switch', { name: CODE });
    code.focus();
    await userEvent.keyboard(' ');
    await waitFor(() => expect(backend.tripwires.status.codeGuard).toBe(true));
    expect(code).toBeChecked();
    expect(backend.callsTo('set_code_guard').map((c) => c.args)).toEqual([{ enabled: true }]);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('say when the organisation locked the warning on, and list its tools in use', async () => {
    const backend = mockBackend();
    backend.tripwires.status = tripwireFixtures.tripwireStatus({
      locked: true,
      toolsInUse: ['TeamViewer', 'Quick Assist'],
    });
    render(TripwireSettings);
    const remote = await screen.findByRole('switch', { name: REMOTE });
    expect(remote).toBeChecked();
    expect(remote).toBeDisabled();
    expect(remote).toHaveAccessibleDescription(
      /Your organisation keeps this warning on, so it cannot be turned off here\./,
    );
    const tools = screen.getByTestId('tripwire-tools');
    expect(tools).toHaveTextContent('Verity does not warn when they start');
    expect(
      within(tools)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['TeamViewer', 'Quick Assist']);
    // The code reminder stays the user's choice.
    expect(screen.getByRole('switch', { name: CODE })).toBeEnabled();
  });

  it('word a refusal to turn the warning off, and show the lock that caused it', async () => {
    const backend = mockBackend();
    // The organisation locked it after the screen was read.
    backend.on('set_remote_tripwire', () => {
      backend.tripwires.status = { ...backend.tripwires.status, locked: true };
      return fail(LOCKED);
    });
    render(TripwireSettings);
    const remote = await screen.findByRole('switch', { name: REMOTE });
    await userEvent.click(remote);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('This setting could not be saved.');
    expect(alert).toHaveTextContent(
      'Your organisation keeps this warning on, so it cannot be turned off here.',
    );
    expect(alert).toHaveAttribute('data-code', 'invalid_input');
    expect(remote).toBeChecked();
    await waitFor(() => expect(remote).toBeDisabled());
  });

  it('word other failures by their code, keeping the switch as it was', async () => {
    const backend = mockBackend();
    backend.on('set_code_guard', () => fail({ code: 'store_busy', message: 'database is locked' }));
    render(TripwireSettings);
    const code = await screen.findByRole('switch', { name: CODE });
    await userEvent.click(code);
    expect(await screen.findByRole('alert')).toHaveTextContent("Verity's database is busy.");
    expect(code).not.toBeChecked();
  });

  it('say when no Downloads folder was found, and follow changes', async () => {
    const backend = mockBackend();
    backend.tripwires.status = tripwireFixtures.tripwireStatus({ downloads: null });
    render(TripwireSettings);
    expect(await screen.findByTestId('tripwire-downloads')).toHaveTextContent(
      'No Downloads folder was found',
    );
    backend.tripwires.status = tripwireFixtures.tripwireStatus({ locked: true });
    await waitFor(async () => {
      await emitTripwireRaised();
      expect(screen.getByRole('switch', { name: REMOTE })).toBeDisabled();
    });
    expect(screen.getByTestId('tripwire-downloads')).toHaveTextContent('/home/ada/Downloads');
  });

  it('word a load failure and retry', async () => {
    const backend = mockBackend();
    backend.on('tripwire_status', () => fail({ code: 'internal', message: 'not running' }));
    render(TripwireSettings);
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Your settings could not be loaded.',
    );
    backend.on('tripwire_status', () => tripwireFixtures.tripwireStatus());
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('switch', { name: REMOTE })).toBeChecked();
  });

  it('read right to left in Arabic, the path kept left to right', async () => {
    mockBackend();
    applyLanguage('ar');
    render(TripwireSettings);
    expect(
      await screen.findByRole('switch', { name: 'نبّهني عند تشغيل برنامج تحكم عن بُعد' }),
    ).toBeChecked();
    expect(screen.getByRole('region', { name: 'إنذارات الاحتيال' })).toBeInTheDocument();
    expect(screen.getByText('/home/ada/Downloads')).toHaveAttribute('dir', 'ltr');
  });
});
