import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import App from './App.svelte';
import { failure, me, mockDesk } from './test-fetch';
import { feed, groups } from './test-fixtures';

describe('App', () => {
  it('shows sign-in when there is no session', async () => {
    mockDesk({ 'GET /me': failure(401, 'unauthenticated') });
    render(App);
    expect(
      await screen.findByRole('heading', { name: 'Sign in to the Verity console' }),
    ).toBeInTheDocument();
  });

  it('goes back to sign-in when a signed-in call answers 401', async () => {
    mockDesk({ 'GET /me': me(), 'GET /reports': failure(401, 'unauthenticated') });
    render(App);
    expect(
      await screen.findByRole('heading', { name: 'Sign in to the Verity console' }),
    ).toBeInTheDocument();
  });

  it('switches language, with dir=rtl for Arabic, and remembers it', async () => {
    const user = userEvent.setup();
    mockDesk({ 'GET /me': me(), 'GET /reports': groups() });
    render(App);
    await screen.findByRole('heading', { name: 'Reports' });
    await user.selectOptions(screen.getByLabelText('Language'), 'ar');
    expect(document.documentElement).toHaveAttribute('dir', 'rtl');
    expect(document.documentElement).toHaveAttribute('lang', 'ar');
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('البلاغات');
    expect(screen.getByRole('navigation')).toHaveAccessibleName('وحدة التحكم');
    expect(localStorage.getItem('verity-console-language')).toBe('ar');
    await user.selectOptions(screen.getByLabelText('اللغة'), 'zh-CN');
    expect(document.documentElement).toHaveAttribute('dir', 'ltr');
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('举报');
  });

  it("starts in the account's language unless this browser chose one", async () => {
    mockDesk({ 'GET /me': me({ language: 'zh-HK' }), 'GET /reports': [] });
    render(App);
    expect(await screen.findByRole('heading', { level: 1 })).toHaveTextContent('舉報');
    expect(document.documentElement).toHaveAttribute('lang', 'zh-HK');
  });

  it('asks to re-authenticate for a sensitive action, then retries it once', async () => {
    const user = userEvent.setup();
    let publishes = 0;
    const calls = mockDesk({
      'GET /me': me({ csrf: 'csrf-A' }),
      'GET /feed': feed(),
      'POST /feed/publish': () =>
        ++publishes === 1
          ? failure(403, 'reauth_required')
          : { version: 42, added: 2, entries: 120 },
      'POST /reauth': me({ csrf: 'csrf-B' }),
    });
    window.location.hash = '#/feed';
    render(App);
    await user.click(await screen.findByRole('button', { name: 'Publish now' }));
    const confirm = await screen.findByRole('dialog', { name: 'Publish now' });
    await user.click(within(confirm).getByRole('button', { name: 'Publish now' }));

    const reauth = await screen.findByRole('dialog', { name: 'Confirm it is you' });
    await user.type(within(reauth).getByLabelText('Passphrase'), 'correct horse battery');
    await user.type(
      within(reauth).getByLabelText('6-digit code from your authenticator app'),
      '111222',
    );
    await user.click(within(reauth).getByRole('button', { name: 'Confirm' }));

    await waitFor(() =>
      expect(screen.getByRole('status')).toHaveTextContent('Published version 42'),
    );
    const posts = calls.filter((c) => c.method === 'POST');
    expect(posts.map((c) => [c.path, c.headers['X-Verity-CSRF']])).toEqual([
      ['/feed/publish', 'csrf-A'],
      ['/reauth', 'csrf-A'],
      ['/feed/publish', 'csrf-B'],
    ]);
  });

  it('gives an auditor no action buttons', async () => {
    mockDesk({ 'GET /me': me({ role: 'auditor' }), 'GET /feed': feed() });
    window.location.hash = '#/feed';
    render(App);
    await screen.findByRole('heading', { name: 'Waiting to be published' });
    expect(screen.queryByRole('button', { name: 'Publish now' })).toBeNull();
    expect(screen.getByText('Auditor (read only)')).toBeInTheDocument();
  });
});
