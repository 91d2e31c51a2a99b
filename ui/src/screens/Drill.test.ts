import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import App from '../App.svelte';
import { drillFixtures, emitDrillRevealed, emitOpenDrill } from '../lib/ipc/drill-testing';
import { mockBackend, type Backend } from '../lib/ipc/testing';
import { router } from '../lib/router.svelte';

const { LINK, NUMBER, notificationDrill } = drillFixtures;
const ID = 'd-00000000000000a1';

async function openLure(): Promise<HTMLElement> {
  window.location.hash = `#/drill/${ID}`;
  render(App);
  return screen.findByTestId('drill-lure');
}

describe('the Drill lure view', () => {
  let backend: Backend;
  beforeEach(() => {
    backend = mockBackend();
    backend.drills.drills = [notificationDrill()];
  });

  it('looks like the incoming message: sender, text, the link as a link, the number; no warning', async () => {
    const lure = await openLure();
    expect(within(lure).getByRole('heading', { level: 1, name: 'DingTalk Service' })).toBeVisible();
    expect(screen.getByTestId('drill-lure-body')).toHaveTextContent(
      'your enterprise account will be frozen in 24 hours',
    );
    // The link sits inside the text, as a link-looking button (never an <a href>).
    const link = within(screen.getByTestId('drill-lure-body')).getByRole('button', { name: LINK });
    expect(link).toHaveClass('linklike');
    expect(lure.querySelector('a[href]')).toBeNull();
    expect(screen.getByTestId('drill-lure-number')).toHaveTextContent(NUMBER);
    const actions = within(lure).getByRole('group', { name: 'Message actions' });
    expect(
      within(actions)
        .getAllByRole('button')
        .map((b) => b.textContent?.trim()),
    ).toEqual(['Report to IT', 'Check this', 'Dismiss']);
    // Nothing says "drill" or warns before the employee acts.
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.body).not.toHaveTextContent(/drill/i);
    expect(backend.callsTo('drill_get')[0]?.args).toEqual({ drillId: ID });
  });

  it('Report to IT records report_to_it, and the reveal says so', async () => {
    await openLure();
    await userEvent.click(screen.getByRole('button', { name: 'Report to IT' }));
    expect(backend.callsTo('drill_act').map((c) => c.args)).toEqual([
      { drillId: ID, act: 'report_to_it' },
    ]);
    const dialog = await screen.findByRole('dialog', {
      name: 'This was a drill by your organisation',
    });
    expect(dialog).toHaveTextContent('You reported it to IT.');
    expect(dialog).toHaveTextContent('You reported it 5 min after it arrived.');
  });

  it('the link records opened_link and never opens a browser', async () => {
    const open = vi.spyOn(window, 'open').mockImplementation(() => null);
    await openLure();
    await userEvent.click(screen.getByRole('button', { name: LINK }));
    expect(backend.callsTo('drill_act').map((c) => c.args)).toEqual([
      { drillId: ID, act: 'opened_link' },
    ]);
    expect(open).not.toHaveBeenCalled();
    expect(await screen.findByRole('dialog')).toHaveTextContent('You opened its link.');
    expect(window.location.hash).toBe(`#/drill/${ID}`);
  });

  it('Dismiss records dismissed', async () => {
    await openLure();
    await userEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(backend.callsTo('drill_act').map((c) => c.args)).toEqual([
      { drillId: ID, act: 'dismissed' },
    ]);
    expect(await screen.findByRole('dialog')).toHaveTextContent('You dismissed it.');
  });

  it('Check this checks the number; the backend reports it and the reveal follows', async () => {
    await openLure();
    await userEvent.click(screen.getByRole('button', { name: 'Check this' }));
    expect(backend.callsTo('check').map((c) => c.args)).toEqual([
      { input: NUMBER, kind: 'phone', remember: true },
    ]);
    expect(backend.callsTo('drill_act')).toEqual([]);
    expect(await screen.findByRole('dialog')).toHaveTextContent(
      'You checked its number or link with Verity.',
    );
    expect(backend.drills.drills[0]?.how).toBe('check');
  });

  it('a failed act is worded, and nothing is revealed', async () => {
    backend.drills.failures.drill_act = { code: 'store', message: 'disk full', reason: null };
    await openLure();
    await userEvent.click(screen.getByRole('button', { name: 'Report to IT' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('That did not go through');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('an unknown drill is worded, with the way home', async () => {
    window.location.hash = '#/drill/d-ffffffffffffffff';
    render(App);
    expect(await screen.findByRole('alert')).toHaveTextContent('This message cannot be shown');
    expect(screen.getByRole('link', { name: 'Back to Home' })).toBeVisible();
  });

  it('an expired lure opened later is revealed at once', async () => {
    backend.drills.drills = [
      drillFixtures.decided(notificationDrill(), 'expired', drillFixtures.EXPIRES),
    ];
    await openLure();
    expect(await screen.findByRole('dialog')).toHaveTextContent('You did not answer in time.');
    expect(screen.getByText('You have already answered this message.')).toBeVisible();
  });

  it('open-drill (the notification clicked) shows the lure; drill-revealed shows the reveal anywhere', async () => {
    render(App);
    await emitOpenDrill(ID);
    expect(
      await screen.findByRole('heading', { level: 1, name: 'DingTalk Service' }),
    ).toBeVisible();
    expect(router.current).toBe('drill');
    expect(window.location.hash).toBe(`#/drill/${ID}`);

    router.go('home');
    backend.drills.drills = [
      drillFixtures.decided(notificationDrill(), 'check', drillFixtures.SHOWN + 60),
    ];
    await emitDrillRevealed(ID);
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('You checked its number or link with Verity.');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Show me the official path' }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(router.current).toBe('support');
  });
});
