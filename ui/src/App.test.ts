import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import App from './App.svelte';
import { mockBackend } from './lib/ipc/testing';
import { emitOpenSupport } from './lib/ipc/tripwire-testing';

const screens = [
  ['Home', 'Home'],
  ['Check', 'Check'],
  ['Support', 'Real support is only inside DingTalk'],
  ['Checklist', 'Security checklist'],
  ['Settings', 'Settings'],
] as const;

describe('App shell', () => {
  it('has landmarks, a skip link and the Verity brand', async () => {
    mockBackend();
    render(App);
    expect(screen.getByRole('banner')).toHaveTextContent('Verity');
    expect(screen.getByRole('navigation', { name: 'Main' })).toBeInTheDocument();
    expect(screen.getByRole('main')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Skip to main content' })).toHaveAttribute(
      'href',
      '#main',
    );
    await screen.findByText('0.1.0');
  });

  it('navigates to every screen and marks the current one', async () => {
    mockBackend();
    render(App);
    const nav = screen.getByRole('navigation');
    for (const [label, heading] of screens) {
      await userEvent.click(within(nav).getByRole('link', { name: label }));
      const h1 = await screen.findByRole('heading', { level: 1, name: heading });
      expect(within(nav).getByRole('link', { name: label })).toHaveAttribute(
        'aria-current',
        'page',
      );
      expect(
        within(nav)
          .getAllByRole('link')
          .filter((a) => a.hasAttribute('aria-current')),
      ).toHaveLength(1);
      expect(window.location.hash).toBe(`#/${label.toLowerCase()}`);
      if (label !== 'Home') await waitFor(() => expect(h1).toHaveFocus());
    }
  });

  it('opens the screen named in the URL and follows back/forward', async () => {
    mockBackend();
    window.location.hash = '#/support';
    render(App);
    expect(
      screen.getByRole('heading', { level: 1, name: 'Real support is only inside DingTalk' }),
    ).toBeInTheDocument();
    window.location.hash = '#/checklist';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    expect(
      await screen.findByRole('heading', { level: 1, name: 'Security checklist' }),
    ).toBeInTheDocument();
  });

  it('moves focus to the Support screen when a warning links to it', async () => {
    mockBackend();
    window.location.hash = '#/threats';
    render(App);
    const link = await screen.findByRole('link', { name: 'How to reach real DingTalk support' });
    link.focus();
    await userEvent.keyboard('{Enter}');
    const h1 = await screen.findByRole('heading', {
      level: 1,
      name: 'Real support is only inside DingTalk',
    });
    await waitFor(() => expect(h1).toHaveFocus());
    expect(window.location.hash).toBe('#/support');
    expect(
      within(screen.getByRole('navigation')).getByRole('link', { name: 'Support' }),
    ).toHaveAttribute('aria-current', 'page');
  });

  it('opens Support, focused, when a tripwire alert is clicked', async () => {
    mockBackend();
    render(App);
    await screen.findByText('0.1.0');
    await waitFor(async () => {
      await emitOpenSupport();
      expect(window.location.hash).toBe('#/support');
    });
    const h1 = await screen.findByRole('heading', {
      level: 1,
      name: 'Real support is only inside DingTalk',
    });
    await waitFor(() => expect(h1).toHaveFocus());
  });

  it('renders in the stored language from start-up', async () => {
    mockBackend({ language: 'ar' });
    render(App);
    expect(await screen.findByRole('navigation', { name: 'القائمة الرئيسية' })).toBeInTheDocument();
    expect(document.documentElement).toHaveAttribute('dir', 'rtl');
  });
});

describe('the sidebar and the reports to IT', () => {
  it("counts IT's unseen answers beside Threats until the list is shown", async () => {
    const backend = mockBackend();
    backend.feed.status = { ...backend.feed.status, unread: 0 };
    render(App);
    const nav = screen.getByRole('navigation', { name: 'Main' });
    const link = await within(nav).findByRole('link', {
      name: 'Threats One new answer from IT',
    });
    expect(link).toHaveTextContent('1');
    await userEvent.click(link);
    await screen.findByRole('region', { name: 'Your reports to IT' });
    await waitFor(() => expect(backend.callsTo('mark_it_reports_seen')).toHaveLength(1));
    expect(within(nav).getByRole('link', { name: 'Threats' })).not.toHaveAttribute('aria-label');
  });
});
