import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { failure, me, mockDesk } from '../test-fetch';
import SignIn from './SignIn.svelte';

async function fillPassphraseForm(user: ReturnType<typeof userEvent.setup>): Promise<void> {
  await user.type(screen.getByLabelText('Name'), 'alice');
  await user.type(screen.getByLabelText('Passphrase'), 'correct horse battery');
  await user.type(screen.getByLabelText('6-digit code from your authenticator app'), '123456');
}

describe('SignIn', () => {
  it('signs in with name, passphrase and code', async () => {
    const user = userEvent.setup();
    const calls = mockDesk({ 'POST /signin': me() });
    const onsignedin = vi.fn();
    render(SignIn, { onsignedin });
    await fillPassphraseForm(user);
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(onsignedin).toHaveBeenCalledWith(me()));
    expect(calls[0]?.body).toEqual({
      name: 'alice',
      passphrase: 'correct horse battery',
      totp: '123456',
    });
  });

  it('checks the form before sending it', async () => {
    const user = userEvent.setup();
    const calls = mockDesk({});
    render(SignIn, { onsignedin: vi.fn() });
    await user.type(screen.getByLabelText('6-digit code from your authenticator app'), '12');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(screen.getByLabelText('Name')).toHaveAccessibleDescription('Fill this in.');
    expect(
      screen.getByLabelText('6-digit code from your authenticator app'),
    ).toHaveAccessibleDescription('Enter the 6 digits.');
    expect(calls).toHaveLength(0);
  });

  it('words a wrong credential without the desk English', async () => {
    const user = userEvent.setup();
    mockDesk({ 'POST /signin': failure(401, 'unauthenticated') });
    render(SignIn, { onsignedin: vi.fn() });
    await fillPassphraseForm(user);
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The name, passphrase or code is wrong.',
    );
  });

  it('shows a lockout with the time to try again', async () => {
    const user = userEvent.setup();
    mockDesk({ 'POST /signin': failure(429, 'locked', { retry_after: 840 }) });
    render(SignIn, { onsignedin: vi.fn() });
    await fillPassphraseForm(user);
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(
      /Too many failed sign-ins\. Try again after .+ \(in about 14 min\)/,
    );
  });

  it('signs in with a passkey: options from base64url, credential back as base64url', async () => {
    const user = userEvent.setup();
    const calls = mockDesk({
      'POST /passkey/signin/start': {
        ceremony: 'c-1',
        options: { challenge: 'AAEC', rpId: 'desk.example', allowCredentials: [] },
      },
      'POST /passkey/signin/finish': me(),
    });
    class FakeCredential {
      id = 'cred-1';
      type = 'public-key';
      rawId = new Uint8Array([1, 2, 3]).buffer;
      authenticatorAttachment = 'platform';
      response = {
        clientDataJSON: new Uint8Array([4]).buffer,
        authenticatorData: new Uint8Array([5]).buffer,
        signature: new Uint8Array([6]).buffer,
        userHandle: null,
      };
      getClientExtensionResults(): object {
        return {};
      }
    }
    vi.stubGlobal('PublicKeyCredential', FakeCredential);
    const get = vi.fn((options: CredentialRequestOptions) => {
      expect([...new Uint8Array(options.publicKey?.challenge as ArrayBuffer)]).toEqual([0, 1, 2]);
      return Promise.resolve(new FakeCredential());
    });
    Object.defineProperty(navigator, 'credentials', { value: { get }, configurable: true });
    const onsignedin = vi.fn();
    render(SignIn, { onsignedin });
    await user.click(screen.getByRole('button', { name: 'Sign in with a passkey' }));
    await waitFor(() => expect(onsignedin).toHaveBeenCalled());
    expect(calls[1]?.body).toEqual({
      ceremony: 'c-1',
      credential: {
        id: 'cred-1',
        rawId: 'AQID',
        type: 'public-key',
        authenticatorAttachment: 'platform',
        clientExtensionResults: {},
        response: {
          clientDataJSON: 'BA',
          authenticatorData: 'BQ',
          signature: 'Bg',
          userHandle: null,
        },
      },
    });
  });

  it('sets up a first account: setup code, passphrase twice, QR code, then a code', async () => {
    const user = userEvent.setup();
    const calls = mockDesk({
      'POST /setup': {
        setup: 'setup-token',
        totp_uri: 'otpauth://totp/Verity:alice?secret=JBSWY3DPEHPK3PXP&issuer=Verity',
      },
      'POST /setup/finish': me(),
    });
    const onsignedin = vi.fn();
    render(SignIn, { onsignedin });
    await user.click(screen.getByRole('button', { name: 'First time here? Set up your account' }));
    await user.type(screen.getByLabelText('Name'), 'alice');
    await user.type(screen.getByLabelText('Setup code from IT'), 'ABCD-1234');
    await user.type(
      screen.getByLabelText('New passphrase (12 to 256 characters)'),
      'a long passphrase',
    );
    await user.type(screen.getByLabelText('New passphrase again'), 'a long passphrasX');
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(screen.getByLabelText('New passphrase again')).toHaveAccessibleDescription(
      'The two passphrases are not the same.',
    );
    await user.clear(screen.getByLabelText('New passphrase again'));
    await user.type(screen.getByLabelText('New passphrase again'), 'a long passphrase');
    await user.click(screen.getByRole('button', { name: 'Continue' }));

    expect(
      await screen.findByRole('img', { name: 'QR code for your authenticator app' }),
    ).toBeInTheDocument();
    expect(screen.getByText('JBSWY3DPEHPK3PXP')).toBeInTheDocument();
    await user.type(screen.getByLabelText('Enter the 6-digit code your app now shows'), '654321');
    await user.click(screen.getByRole('button', { name: 'Finish setup' }));
    await waitFor(() => expect(onsignedin).toHaveBeenCalled());
    expect(calls.map((c) => c.body)).toEqual([
      { name: 'alice', code: 'ABCD-1234', passphrase: 'a long passphrase' },
      { setup: 'setup-token', totp: '654321' },
    ]);
  });
});
