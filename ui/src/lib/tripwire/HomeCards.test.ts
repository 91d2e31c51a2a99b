import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { applyLanguage } from '../i18n';
import { fail, mockBackend } from '../ipc/testing';
import { emitTripwireRaised, tripwireFixtures } from '../ipc/tripwire-testing';
import { router } from '../router.svelte';
import HomeCards from './HomeCards.svelte';
import { recentText } from './words';

const OFFER = 'Get a reminder when you copy a one-time code?';

describe("Home's warning-sign cards", () => {
  it('count the last 30 days and lead to the Threats screen', async () => {
    mockBackend();
    router.go('home');
    render(HomeCards);
    const card = await screen.findByTestId('tripwire-home');
    await waitFor(() => expect(card).toHaveTextContent('3 warning signs in the last 30 days.'));
    expect(card).not.toHaveTextContent('remote-access warning is off');
    const link = within(card).getByRole('link', { name: 'See them on the Threats screen' });
    expect(link).toHaveAttribute('href', '#/threats');
    link.focus();
    await userEvent.keyboard('{Enter}');
    expect(router.current).toBe('threats');
    router.go('home');
  });

  it('say when there was none, and reload when a tripwire records an event', async () => {
    const backend = mockBackend();
    backend.tripwires.status = tripwireFixtures.tripwireStatus({ recent: 0 });
    render(HomeCards);
    const card = await screen.findByTestId('tripwire-home');
    await waitFor(() => expect(card).toHaveTextContent('No warning signs in the last 30 days.'));
    backend.tripwires.status = tripwireFixtures.tripwireStatus({ recent: 1 });
    await waitFor(async () => {
      await emitTripwireRaised();
      expect(card).toHaveTextContent('One warning sign in the last 30 days.');
    });
  });

  it('say when the remote-access warning is off', async () => {
    const backend = mockBackend();
    backend.tripwires.status = tripwireFixtures.tripwireStatus({ remote: false });
    render(HomeCards);
    expect(await screen.findByText(/The remote-access warning is off/)).toBeInTheDocument();
  });

  it('offer the code reminder, explained, and turn it on', async () => {
    const backend = mockBackend();
    render(HomeCards);
    const offer = await screen.findByRole('region', { name: OFFER });
    expect(offer).toHaveTextContent('at most once an hour');
    expect(offer).toHaveTextContent('not even someone who says they are support');
    expect(offer).toHaveTextContent('never stores it or sends it anywhere');
    expect(offer).toHaveTextContent('the reminder never shows the digits');
    await userEvent.click(within(offer).getByRole('button', { name: 'Turn on' }));
    expect(await within(offer).findByRole('status')).toHaveTextContent(
      'The one-time-code reminder is on.',
    );
    expect(within(offer).queryByRole('button')).toBeNull();
    expect(within(offer).getByRole('heading', { name: OFFER })).toHaveFocus();
    expect(backend.callsTo('set_code_guard').map((c) => c.args)).toEqual([{ enabled: true }]);
    expect(backend.callsTo('decline_code_guard')).toHaveLength(0);
    expect(backend.tripwires.status).toMatchObject({ codeGuard: true, codeGuardOffered: true });
  });

  it('take "Not now" for an answer, and do not offer again', async () => {
    const backend = mockBackend();
    const { unmount } = render(HomeCards);
    const offer = await screen.findByRole('region', { name: OFFER });
    await userEvent.click(within(offer).getByRole('button', { name: 'Not now' }));
    expect(await within(offer).findByRole('status')).toHaveTextContent(
      'No reminder for now. You can turn it on in Settings at any time.',
    );
    expect(backend.callsTo('decline_code_guard')).toHaveLength(1);
    expect(backend.callsTo('set_code_guard')).toHaveLength(0);
    expect(backend.tripwires.status).toMatchObject({ codeGuard: false, codeGuardOffered: true });
    unmount();

    render(HomeCards);
    await waitFor(() => expect(screen.getByTestId('tripwire-home')).toHaveTextContent('3 warning'));
    expect(screen.queryByRole('region', { name: OFFER })).toBeNull();
  });

  it('word a failed answer and keep the offer', async () => {
    const backend = mockBackend();
    backend.on('decline_code_guard', () => fail({ code: 'store_busy', message: 'locked' }));
    render(HomeCards);
    const offer = await screen.findByRole('region', { name: OFFER });
    await userEvent.click(within(offer).getByRole('button', { name: 'Not now' }));
    const alert = await within(offer).findByRole('alert');
    expect(alert).toHaveTextContent('Your answer could not be saved.');
    expect(alert).toHaveTextContent("Verity's database is busy.");
    expect(within(offer).getByRole('button', { name: 'Turn on' })).toBeInTheDocument();
  });

  it('word a failed read and retry', async () => {
    const backend = mockBackend();
    backend.on('tripwire_status', () => fail({ code: 'internal', message: 'not running' }));
    render(HomeCards);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Something went wrong inside Verity.');
    backend.on('tripwire_status', () => tripwireFixtures.tripwireStatus());
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('region', { name: OFFER })).toBeInTheDocument();
  });
});

describe('the count of warning signs', () => {
  it.each([
    ['en', 0, 'No warning signs in the last 30 days.'],
    ['en', 1, 'One warning sign in the last 30 days.'],
    ['en', 2, '2 warning signs in the last 30 days.'],
    ['en', 1200, '1,200 warning signs in the last 30 days.'],
    ['zh-HK', 1, '過去 30 日有 1 個詐騙警號。'],
    ['zh-HK', 7, '過去 30 日有 7 個詐騙警號。'],
    ['zh-CN', 7, '过去 30 天有 7 条诈骗警报。'],
    ['ar', 0, 'لم يُسجَّل أي إنذار خلال آخر 30 يومًا.'],
    ['ar', 1, 'إنذار واحد خلال آخر 30 يومًا.'],
    ['ar', 2, 'إنذاران خلال آخر 30 يومًا.'],
    ['ar', 3, '3 إنذارات خلال آخر 30 يومًا.'],
    ['ar', 11, '11 إنذارًا خلال آخر 30 يومًا.'],
    ['ar', 100, '100 إنذار خلال آخر 30 يومًا.'],
  ] as const)('in %s, %i reads "%s"', (language, n, text) => {
    applyLanguage(language);
    expect(recentText(n)).toBe(text);
  });

  it('has the five plural keys in every language (zero has a sentence of its own)', () => {
    for (const language of ['en', 'zh-HK', 'zh-CN', 'ar'] as const) {
      applyLanguage(language);
      for (const n of [0, 1, 2, 3, 11, 100]) expect(recentText(n)).not.toMatch(/tripwire\.ui/);
    }
  });
});
