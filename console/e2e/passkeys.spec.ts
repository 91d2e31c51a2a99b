/**
 * Passkeys in a real browser: Chromium's virtual authenticator (over CDP) answers
 * `navigator.credentials.create` and `.get`, so the base64url conversions run for real. WebAuthn
 * refuses IP addresses as relying parties, so these tests open the console on `localhost`.
 */
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { openConsole } from './mock-desk';

const b64url = (bytes: number[]): string =>
  Buffer.from(bytes).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const B64URL = /^[A-Za-z0-9_-]+$/;

async function virtualAuthenticator(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
}

const creation = {
  challenge: b64url([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]),
  rp: { id: 'localhost', name: 'Verity desk' },
  user: { id: b64url([7, 7, 7, 7]), name: 'alice', displayName: 'alice' },
  pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
  authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  excludeCredentials: [{ type: 'public-key', id: b64url([9, 9, 9]) }],
  timeout: 60_000,
};

const request = {
  challenge: b64url([16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]),
  rpId: 'localhost',
  userVerification: 'required',
  allowCredentials: [],
  timeout: 60_000,
};

test('adds a passkey, then signs in with it', async ({ page }) => {
  const record = await openConsole(
    page,
    {
      host: 'localhost',
      answers: {
        'POST /passkey/register/start': {
          status: 200,
          body: { ceremony: 'reg-1', options: creation },
        },
        'POST /passkey/register/finish': {
          status: 200,
          body: {
            passkeys: [
              { id: 1, label: 'YubiKey 5', created_at: 1_796_000_000, last_used_at: null },
              { id: 2, label: 'This laptop', created_at: 1_796_000_100, last_used_at: null },
            ],
          },
        },
        'POST /passkey/signin/start': {
          status: 200,
          body: { ceremony: 'auth-1', options: { publicKey: request } },
        },
        'POST /passkey/signin/finish': {
          status: 200,
          body: {
            name: 'alice',
            role: 'admin',
            csrf: 'csrf-2',
            reauth_until: null,
            passkeys: [],
            language: null,
          },
        },
      },
    },
    '#/account',
  );
  await virtualAuthenticator(page);

  await page.getByLabel('Name for the new passkey').fill('This laptop');
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'The passkey was added.' }),
  ).toBeVisible();
  await expect(page.getByText('This laptop')).toBeVisible();
  const register = record.requests.find((r) => r.path === '/passkey/register/finish');
  const created = register?.body as {
    ceremony: string;
    label: string;
    credential: { id: string; rawId: string; type: string; response: Record<string, unknown> };
  };
  expect(created.ceremony).toBe('reg-1');
  expect(created.label).toBe('This laptop');
  expect(created.credential.type).toBe('public-key');
  expect(created.credential.rawId).toBe(created.credential.id);
  expect(created.credential.response.clientDataJSON).toMatch(B64URL);
  expect(created.credential.response.attestationObject).toMatch(B64URL);
  const clientData = JSON.parse(
    Buffer.from(String(created.credential.response.clientDataJSON), 'base64url').toString(),
  ) as { type: string; challenge: string };
  expect(clientData).toMatchObject({ type: 'webauthn.create', challenge: creation.challenge });

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  // Signed in again, on the screen the address names.
  await expect(page.getByRole('heading', { level: 1, name: 'My account' })).toBeVisible();
  const signin = record.requests.find((r) => r.path === '/passkey/signin/finish');
  const asserted = signin?.body as {
    ceremony: string;
    credential: { id: string; response: Record<string, unknown> };
  };
  expect(asserted.ceremony).toBe('auth-1');
  expect(asserted.credential.id).toBe(created.credential.id);
  expect(asserted.credential.response.authenticatorData).toMatch(B64URL);
  expect(asserted.credential.response.signature).toMatch(B64URL);
  expect(asserted.credential.response.userHandle).toBe(b64url([7, 7, 7, 7]));
  const assertionData = JSON.parse(
    Buffer.from(String(asserted.credential.response.clientDataJSON), 'base64url').toString(),
  ) as { type: string; challenge: string };
  expect(assertionData).toMatchObject({ type: 'webauthn.get', challenge: request.challenge });
  expect(record.cspViolations).toEqual([]);
});
