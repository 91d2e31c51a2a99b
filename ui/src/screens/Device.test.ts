import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { applyLanguage, t } from '../lib/i18n';
import type { DeviceChecks, IpcError } from '../lib/ipc';
import { fail, mockBackend, outcomes } from '../lib/ipc/testing';
import Device from './Device.svelte';

const DESK = 'https://desk.acme.example';
const CODE = 'ABCD-EFGH-JKMN';

/** Renders the screen and waits for the backend's answer. */
async function renderDevice(): Promise<void> {
  render(Device);
  await waitFor(() => expect(screen.queryByText(t('device.loading'))).toBeNull());
}

const FINGERPRINT_LABEL = 'Organisation key fingerprint';

async function typeFingerprint(fp: string = outcomes.ORG_FINGERPRINT): Promise<void> {
  await userEvent.type(screen.getByRole('textbox', { name: FINGERPRINT_LABEL }), fp);
}

async function fillCodeForm(): Promise<void> {
  await userEvent.type(screen.getByRole('textbox', { name: 'Desk address' }), DESK);
  await userEvent.type(screen.getByRole('textbox', { name: 'One-time code' }), CODE);
  await typeFingerprint();
}

/** Sends the form; when the desk's confirmation comes up with matching fingerprints, confirms. */
async function submitEnrol(): Promise<void> {
  await userEvent.click(screen.getByRole('button', { name: 'Bind this device' }));
  const confirm = await screen
    .findByRole('button', { name: 'Yes, bind to Acme HK' }, { timeout: 300 })
    .catch(() => null);
  if (confirm) await userEvent.click(confirm);
}

function valueOf(card: HTMLElement, label: string): HTMLElement {
  const dt = within(card).getByText(label, { selector: 'dt' });
  const dd = dt.nextElementSibling;
  if (!(dd instanceof HTMLElement)) throw new Error(`no value for ${label}`);
  return dd;
}

describe('Device, not bound', () => {
  it('says so and offers the enrolment form', async () => {
    mockBackend();
    render(Device);
    expect(screen.getByRole('heading', { level: 1, name: 'Device' })).toBeInTheDocument();
    expect(screen.getByText("Reading this device's binding…")).toHaveAttribute('role', 'status');
    expect(
      await screen.findByText('This device is not bound to an organisation.'),
    ).toBeInTheDocument();
    const form = screen.getByRole('region', { name: 'Bind this device' });
    expect(within(form).getByRole('radio', { name: 'A desk address and a code' })).toBeChecked();
    expect(within(form).getByRole('textbox', { name: 'Desk address' })).toHaveAttribute(
      'dir',
      'ltr',
    );
    expect(within(form).getByRole('textbox', { name: FINGERPRINT_LABEL })).toHaveAttribute(
      'aria-required',
      'true',
    );
    // The key file is not offered while the system's store may work.
    expect(screen.queryByLabelText('Passphrase')).toBeNull();
  });

  it('asks for the address and the code before calling the desk', async () => {
    const backend = mockBackend();
    await renderDevice();
    await submitEnrol();
    expect(screen.getByText('Fill in the desk address and the one-time code.')).toBeVisible();
    expect(screen.getByRole('textbox', { name: 'Desk address' })).toHaveAttribute(
      'aria-invalid',
      'true',
    );
    expect(backend.callsTo('device_enroll')).toEqual([]);
  });

  it('asks for the fingerprint IT announced, then shows who the desk is before any code is sent', async () => {
    const backend = mockBackend();
    await renderDevice();
    await userEvent.type(screen.getByRole('textbox', { name: 'Desk address' }), DESK);
    await userEvent.type(screen.getByRole('textbox', { name: 'One-time code' }), CODE);
    await userEvent.click(screen.getByRole('button', { name: 'Bind this device' }));
    expect(screen.getByText('Type the organisation key fingerprint IT announced.')).toBeVisible();
    expect(backend.callsTo('device_preview')).toEqual([]);

    // A fingerprint that is not the desk's: the confirmation says do not bind, and offers no way on.
    await typeFingerprint('0000 1111 2222 3333');
    await userEvent.click(screen.getByRole('button', { name: 'Bind this device' }));
    const confirm = await screen.findByRole('group', {
      name: 'Check who you are binding this device to',
    });
    expect(confirm).toHaveTextContent('Acme HK');
    expect(confirm).toHaveTextContent(outcomes.ORG_FINGERPRINT);
    expect(within(confirm).getByRole('alert')).toHaveTextContent('The fingerprints do not match.');
    expect(within(confirm).queryByRole('button', { name: /Yes, bind/ })).toBeNull();
    expect(backend.callsTo('device_preview')[0]?.args).toEqual({ target: DESK, deskCa: null });
    expect(backend.callsTo('device_enroll')).toEqual([]);

    // The right one, typed with other spacing and case: they match, and binding is offered.
    await userEvent.clear(screen.getByRole('textbox', { name: FINGERPRINT_LABEL }));
    await typeFingerprint(outcomes.ORG_FINGERPRINT.toLowerCase().replaceAll(' ', ''));
    await userEvent.click(screen.getByRole('button', { name: 'Bind this device' }));
    const ok = await screen.findByRole('group', {
      name: 'Check who you are binding this device to',
    });
    expect(ok).toHaveTextContent('The fingerprints match.');
    expect(ok).toHaveTextContent('Real support never asks you to bind your device during a call.');
    expect(document.activeElement).toHaveTextContent('Check who you are binding this device to');
    expect(backend.callsTo('device_enroll')).toEqual([]);
    await userEvent.click(within(ok).getByRole('button', { name: 'Back' }));
    expect(
      screen.queryByRole('group', { name: 'Check who you are binding this device to' }),
    ).toBeNull();
  });

  it('enrols, then shows the organisation, its fingerprint and the two-factor QR code', async () => {
    const backend = mockBackend();
    await renderDevice();
    await fillCodeForm();
    await submitEnrol();

    const done = await screen.findByText('This device is now bound');
    expect(done.closest('[role="status"]')).toHaveFocus();
    expect(
      screen.getByText(/has not set a region policy yet, so the region check passes/),
    ).toBeInTheDocument();
    expect(backend.callsTo('device_enroll')).toEqual([
      {
        cmd: 'device_enroll',
        args: {
          deskUrl: DESK,
          code: CODE,
          fingerprint: outcomes.ORG_FINGERPRINT,
          keyStore: 'os',
          passphrase: null,
          deskCa: null,
        },
      },
    ]);
    // The desk was asked who it is first.
    expect(backend.calls.findIndex((c) => c.cmd === 'device_preview')).toBeLessThan(
      backend.calls.findIndex((c) => c.cmd === 'device_enroll'),
    );

    const card = screen.getByRole('region', { name: 'This device' });
    expect(within(card).getByText('Acme HK')).toBeInTheDocument();
    const fingerprint = within(card).getByText(outcomes.ORG_FINGERPRINT);
    expect(fingerprint.tagName).toBe('BDI');
    expect(fingerprint).toHaveAttribute('dir', 'ltr');
    expect(card).toHaveTextContent('Compare this fingerprint with the one IT announced.');

    const totp = screen.getByRole('region', { name: 'Set up two-factor authentication' });
    const qr = within(totp).getByRole('img', { name: 'QR code for your authenticator app' });
    expect(qr.tagName.toLowerCase()).toBe('svg');
    expect(qr.querySelector('path')?.getAttribute('d')).toMatch(/^M\d+ \d+h1v1h-1z/);
    expect(qr.getAttribute('style')).toBeNull();
    const secret = within(totp).getByText('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP');
    expect(secret).toHaveAttribute('dir', 'ltr');
    expect(secret).toHaveAttribute('data-secret', outcomes.totpSetup().secret);
  });

  it('copies the secret', async () => {
    mockBackend();
    const user = userEvent.setup();
    await renderDevice();
    await fillCodeForm();
    await submitEnrol();
    await user.click(await screen.findByRole('button', { name: 'Copy secret' }));
    expect(await navigator.clipboard.readText()).toBe(outcomes.totpSetup().secret);
    expect(screen.getByText('Secret copied.')).toHaveAttribute('role', 'status');
  });

  it('enrols with a verity://enroll link', async () => {
    const backend = mockBackend();
    await renderDevice();
    await userEvent.click(screen.getByRole('radio', { name: 'A verity://enroll link' }));
    expect(screen.queryByRole('textbox', { name: 'Desk address' })).toBeNull();
    await submitEnrol();
    expect(screen.getByText('Paste the enrolment link.')).toBeVisible();
    const link = 'verity://enroll?desk=https%3A%2F%2Fdesk.acme.example&code=ABCD-EFGH-JKMN';
    await userEvent.type(screen.getByRole('textbox', { name: 'Enrolment link' }), link);
    await typeFingerprint();
    await submitEnrol();
    await screen.findByText('This device is now bound');
    expect(backend.callsTo('device_preview')[0]?.args).toEqual({ target: link, deskCa: null });
    expect(backend.callsTo('device_enroll_link')[0]?.args).toEqual({
      link,
      fingerprint: outcomes.ORG_FINGERPRINT,
      keyStore: 'os',
      passphrase: null,
      deskCa: null,
    });
  });

  it('says when no secure store is usable and offers the passphrase file', async () => {
    const backend = mockBackend();
    backend.on('device_enroll', (args) =>
      args.keyStore === 'os'
        ? fail({
            code: 'no_secure_store',
            message: 'no secure key store is usable on this device (no D-Bus session)',
          })
        : outcomes.deviceEnrolled(),
    );
    await renderDevice();
    await fillCodeForm();
    await submitEnrol();

    const notice = await screen.findByText('No secure key store on this computer');
    expect(notice.closest('[role="alert"]')).toHaveFocus();
    expect(notice.closest('[role="alert"]')).toHaveTextContent(
      'You can keep the key in a file encrypted with a passphrase instead.',
    );
    const optIn = screen.getByRole('checkbox', {
      name: 'Keep the device key in a passphrase-encrypted file',
    });
    expect(optIn).not.toBeChecked();
    await userEvent.click(optIn);

    await userEvent.type(screen.getByLabelText('Passphrase'), 'short');
    await submitEnrol();
    expect(screen.getByText('The passphrase needs at least 8 characters.')).toBeVisible();
    await userEvent.type(screen.getByLabelText('Passphrase'), ' but long enough');
    await userEvent.type(screen.getByLabelText('Passphrase again'), 'something else');
    await submitEnrol();
    expect(screen.getByText('The two passphrases are not the same.')).toBeVisible();
    expect(backend.callsTo('device_enroll')).toHaveLength(1);

    await userEvent.clear(screen.getByLabelText('Passphrase again'));
    await userEvent.type(screen.getByLabelText('Passphrase again'), 'short but long enough');
    await submitEnrol();
    await screen.findByText('This device is now bound');
    expect(backend.callsTo('device_enroll')[1]?.args).toMatchObject({
      keyStore: 'file',
      passphrase: 'short but long enough',
    });
  });

  it.each([
    [
      { code: 'desk_refused', message: 'used', reason: 'enroll_code_used' },
      'This code has already been used. Each code works once: ask IT for a new one.',
    ],
    [
      { code: 'desk_refused', message: 'expired', reason: 'enroll_code_expired' },
      'This code has expired. Ask IT for a new one.',
    ],
    [
      { code: 'desk_refused', message: 'outside', reason: 'region_address' },
      'Your network address is outside the ranges your organisation allows.',
    ],
    [
      { code: 'desk_refused', message: 'odd', reason: 'unknown' },
      "Your organisation's desk refused the request.",
    ],
    [
      { code: 'fingerprint_mismatch', message: 'fingerprint 0000… not 3F2A…' },
      'Do not bind this device: this address may not be your organisation',
    ],
    [
      { code: 'bad_desk_url', message: 'use https' },
      'This desk address cannot be used. It must start with https://.',
    ],
    [
      { code: 'desk_unreachable', message: 'connection refused' },
      "Verity could not reach your organisation's desk",
    ],
  ] satisfies [IpcError, string][])('words the refusal %o', async (error, words) => {
    const backend = mockBackend();
    backend.on('device_enroll', () => fail(error));
    await renderDevice();
    await fillCodeForm();
    await submitEnrol();
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveAttribute('data-code', error.code);
    expect(alert).toHaveTextContent('This device could not be bound.');
    expect(alert).toHaveTextContent(words);
    expect(alert).toHaveTextContent(error.message);
    expect(screen.getByRole('region', { name: 'Bind this device' })).toBeInTheDocument();
  });

  it('words a bad link as such', async () => {
    const backend = mockBackend();
    // The desk is asked who it is first: the link is refused there, before any code is sent.
    backend.on('device_preview', () =>
      fail({ code: 'invalid_input', message: 'bad enrolment link: not a link' }),
    );
    await renderDevice();
    await userEvent.click(screen.getByRole('radio', { name: 'A verity://enroll link' }));
    await userEvent.type(screen.getByRole('textbox', { name: 'Enrolment link' }), 'hello');
    await typeFingerprint();
    await submitEnrol();
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'This is not a Verity enrolment link.',
    );
  });
});

describe('Device, bound', () => {
  it('shows the binding', async () => {
    const backend = mockBackend();
    backend.device = outcomes.deviceBound();
    await renderDevice();
    const card = screen.getByRole('region', { name: 'This device' });
    expect(within(card).getByText('Acme HK')).toBeInTheDocument();
    expect(within(card).getByText(outcomes.ORG_FINGERPRINT)).toHaveAttribute('dir', 'ltr');
    expect(valueOf(card, 'Employee')).toHaveTextContent('Chan Tai Man (e100)');
    expect(valueOf(card, 'Device key fingerprint').querySelector('bdi')).toHaveAttribute(
      'dir',
      'ltr',
    );
    expect(valueOf(card, 'Device key kept in')).toHaveTextContent("The system's secure store");
    expect(valueOf(card, 'Binding certificate expires').querySelector('time')).toHaveAttribute(
      'datetime',
      '2027-03-02',
    );
    expect(valueOf(card, 'Two-factor authentication')).toHaveTextContent(
      'Set up, waiting for your first code',
    );
    expect(valueOf(card, 'Last region check')).toHaveTextContent('Not checked yet');
    expect(valueOf(card, 'Desk address')).toHaveTextContent('https://desk.acme.example/');
    // No two-factor set-up from this visit: it can be shown again while no code was accepted.
    expect(screen.getByRole('button', { name: 'Set up two-factor again' })).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Bind this device' })).toBeNull();
  });

  it('warns when the certificate or the key is not right', async () => {
    const backend = mockBackend();
    backend.device = outcomes.deviceBound({
      certificateOk: false,
      certificateProblem: 'the certificate expired',
      keyPresent: false,
    });
    await renderDevice();
    const alerts = screen.getAllByRole('alert');
    expect(alerts[0]).toHaveTextContent('The binding certificate is not valid any more.');
    expect(alerts[0]).toHaveTextContent('the certificate expired');
    expect(alerts[1]).toHaveTextContent("This device's key is missing from its store.");
  });

  it('shows the two-factor set-up again', async () => {
    const backend = mockBackend();
    backend.device = outcomes.deviceBound();
    await renderDevice();
    await userEvent.click(screen.getByRole('button', { name: 'Set up two-factor again' }));
    expect(
      await screen.findByRole('img', { name: 'QR code for your authenticator app' }),
    ).toBeInTheDocument();
    expect(backend.callsTo('device_totp_setup')).toEqual([
      { cmd: 'device_totp_setup', args: { passphrase: null } },
    ]);
  });

  it('words a refused two-factor set-up', async () => {
    const backend = mockBackend();
    backend.device = outcomes.deviceBound();
    backend.on('device_totp_setup', () =>
      fail({ code: 'desk_refused', message: 'already', reason: 'totp_already_set_up' }),
    );
    await renderDevice();
    await userEvent.click(screen.getByRole('button', { name: 'Set up two-factor again' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Two-factor authentication already works for this device',
    );
  });

  it('verifies the device: asks for the code, runs the checks, shows each result', async () => {
    const backend = mockBackend();
    backend.device = outcomes.deviceBound();
    await renderDevice();
    const panel = screen.getByRole('region', { name: 'Verify my device now' });
    const submit = within(panel).getByRole('button', { name: 'Verify my device now' });
    await userEvent.click(submit);
    expect(
      within(panel).getByText('Enter the 6-digit code from your authenticator app.'),
    ).toBeVisible();
    expect(backend.callsTo('device_verify')).toEqual([]);

    const box = within(panel).getByRole('textbox', { name: 'Code from your authenticator app' });
    expect(box).toHaveAttribute('inputmode', 'numeric');
    expect(box).toHaveAttribute('autocomplete', 'one-time-code');
    await userEvent.type(box, '123 456');
    await userEvent.click(submit);

    const results = await within(panel).findByRole('list', { name: 'Check results' });
    expect(backend.callsTo('device_verify')[0]?.args).toEqual({
      totp: '123456',
      passphrase: null,
    });
    expect(within(panel).getByRole('status')).toHaveTextContent('All three checks passed.');
    const items = within(results).getAllByRole('listitem');
    expect(items.map((li) => li.dataset.check)).toEqual(['device_binding', 'two_factor', 'region']);
    expect(items.map((li) => li.dataset.state)).toEqual(['pass', 'pass', 'pass']);
    expect(items[1]).toHaveTextContent('Two-factor authentication');
    expect(items[1]).toHaveTextContent('Passed');
    expect(items[1]).toHaveTextContent('The code from your authenticator app is right.');
    expect(box).toHaveValue('');

    // The status follows: two-factor active, the last region check recorded.
    const card = screen.getByRole('region', { name: 'This device' });
    await waitFor(() =>
      expect(valueOf(card, 'Two-factor authentication')).toHaveTextContent('Active'),
    );
    expect(valueOf(card, 'Last region check')).toHaveTextContent(/^Passed, /);
    expect(screen.queryByRole('button', { name: 'Set up two-factor again' })).toBeNull();
  });

  const cases: [string, () => DeviceChecks, string[], Record<string, string>][] = [
    [
      'a wrong code',
      outcomes.deviceChecks.wrongCode,
      ['pass', 'fail', 'pass'],
      { two_factor: 'The code was wrong.' },
    ],
    [
      'a region refusal',
      outcomes.deviceChecks.regionRefused,
      ['pass', 'skipped', 'fail'],
      {
        two_factor: 'Not checked, because an earlier check did not pass.',
        region: 'Connect from the office network or the company VPN',
      },
    ],
    [
      'a revoked device',
      outcomes.deviceChecks.revoked,
      ['fail', 'skipped', 'skipped'],
      { device_binding: "IT has revoked this device's binding." },
    ],
    [
      'no region policy',
      outcomes.deviceChecks.noPolicy,
      ['pass', 'pass', 'warn'],
      { region: 'has not set a region policy yet, so this check passes for now' },
    ],
  ];

  it.each(cases)('explains %s in words', async (_name, checks, states, words) => {
    const backend = mockBackend();
    backend.device = outcomes.deviceBound();
    backend.on('device_verify', () => checks());
    await renderDevice();
    const panel = screen.getByRole('region', { name: 'Verify my device now' });
    await userEvent.type(within(panel).getByRole('textbox'), '654321');
    await userEvent.click(within(panel).getByRole('button', { name: 'Verify my device now' }));
    const results = await within(panel).findByRole('list', { name: 'Check results' });
    const items = within(results).getAllByRole('listitem');
    expect(items.map((li) => li.dataset.state)).toEqual(states);
    const ok = checks().ok;
    expect(within(panel).getByRole('status')).toHaveTextContent(
      ok ? 'All three checks passed.' : 'This device did not pass every check.',
    );
    for (const [check, text] of Object.entries(words)) {
      const item = items.find((li) => li.dataset.check === check);
      expect(item).toHaveTextContent(text);
    }
    const stateWords = {
      pass: 'Passed',
      warn: 'Passed, with a note',
      fail: 'Refused',
      skipped: 'Not checked',
    };
    items.forEach((li, i) =>
      expect(li).toHaveTextContent(stateWords[states[i] as keyof typeof stateWords]),
    );
  });

  it('asks for the passphrase of a key file, and words its errors', async () => {
    const backend = mockBackend();
    backend.device = outcomes.deviceBound({ keyStore: 'file' });
    backend.on('device_verify', (args) =>
      args.passphrase === 'right passphrase'
        ? outcomes.deviceChecks.allPassed()
        : fail({ code: 'wrong_passphrase', message: 'wrong passphrase' }),
    );
    await renderDevice();
    const card = screen.getByRole('region', { name: 'This device' });
    expect(valueOf(card, 'Device key kept in')).toHaveTextContent('A passphrase-encrypted file');
    const panel = screen.getByRole('region', { name: 'Verify my device now' });
    await userEvent.type(within(panel).getByRole('textbox'), '123456');
    const pass = within(panel).getByLabelText('Passphrase of the device key file');
    await userEvent.type(pass, 'guess');
    await userEvent.click(within(panel).getByRole('button', { name: 'Verify my device now' }));
    const alert = await within(panel).findByRole('alert');
    expect(alert).toHaveTextContent('The checks could not be run.');
    expect(alert).toHaveTextContent('That passphrase does not open the device key file.');

    await userEvent.clear(pass);
    await userEvent.type(pass, 'right passphrase');
    // The code stays in its box after a failure.
    expect(within(panel).getByRole('textbox')).toHaveValue('123456');
    await userEvent.click(within(panel).getByRole('button', { name: 'Verify my device now' }));
    expect(await within(panel).findByText('All three checks passed.')).toBeInTheDocument();
    expect(within(panel).queryByRole('alert')).toBeNull();
  });

  it('words a desk that cannot be reached', async () => {
    const backend = mockBackend();
    backend.device = outcomes.deviceBound();
    backend.on('device_verify', () =>
      fail({ code: 'desk_unreachable', message: 'cannot reach the desk: connection refused' }),
    );
    await renderDevice();
    const panel = screen.getByRole('region', { name: 'Verify my device now' });
    await userEvent.type(within(panel).getByRole('textbox'), '123456');
    await userEvent.click(within(panel).getByRole('button', { name: 'Verify my device now' }));
    const alert = await within(panel).findByRole('alert');
    expect(alert).toHaveAttribute('data-code', 'desk_unreachable');
    expect(alert).toHaveTextContent('connection refused');
  });

  it('unbinds after a confirmation that Escape cancels', async () => {
    const backend = mockBackend();
    backend.device = outcomes.deviceBound();
    await renderDevice();
    const start = screen.getByRole('button', { name: 'Unbind this device…' });
    await userEvent.click(start);
    const cancel = screen.getByRole('button', { name: 'Cancel' });
    expect(cancel).toHaveFocus();
    expect(screen.getByRole('group', { name: 'Unbind this device?' })).toBeInTheDocument();
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('group', { name: 'Unbind this device?' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Unbind this device…' })).toHaveFocus();
    expect(backend.callsTo('device_unbind')).toEqual([]);

    await userEvent.click(screen.getByRole('button', { name: 'Unbind this device…' }));
    await userEvent.click(screen.getByRole('button', { name: 'Unbind' }));
    const done = await screen.findByText(
      'This device is no longer bound, and its key was deleted.',
    );
    expect(done.closest('[role="status"]')).toHaveFocus();
    expect(backend.callsTo('device_unbind')).toEqual([
      { cmd: 'device_unbind', args: { passphrase: null, localOnly: false } },
    ]);
    expect(screen.getByRole('region', { name: 'Bind this device' })).toBeInTheDocument();
  });

  it('says when the desk could not be told of the unbinding', async () => {
    const backend = mockBackend();
    backend.device = outcomes.deviceBound({ keyStore: 'file' });
    backend.on('device_unbind', () => {
      backend.device = outcomes.deviceNotBound();
      return { deskNotified: false, deskError: 'cannot reach the desk' };
    });
    await renderDevice();
    await userEvent.click(screen.getByRole('button', { name: 'Unbind this device…' }));
    const unbind = screen.getByRole('region', { name: 'Unbind this device' });
    await userEvent.type(
      within(unbind).getByLabelText('Passphrase of the device key file'),
      'pass phrase',
    );
    await userEvent.click(screen.getByRole('button', { name: 'Unbind' }));
    expect(
      await screen.findByText(
        /The desk could not be told, so it still counts this device as bound/,
      ),
    ).toBeInTheDocument();
    expect(backend.callsTo('device_unbind')[0]?.args).toEqual({
      passphrase: 'pass phrase',
      localOnly: false,
    });
  });

  it('words a failed status read and retries', async () => {
    const backend = mockBackend();
    backend.on('device_status', () =>
      fail({ code: 'internal', message: 'device.json is damaged' }),
    );
    render(Device);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent("This device's binding could not be read.");
    expect(alert).toHaveTextContent('device.json is damaged');
    backend.on('device_status', () => outcomes.deviceBound());
    await userEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('region', { name: 'This device' })).toBeInTheDocument();
  });

  it('reads right to left in Arabic, with fingerprints and codes left to right', async () => {
    applyLanguage('ar');
    const backend = mockBackend({ language: 'ar' });
    backend.device = outcomes.deviceBound();
    await renderDevice();
    expect(document.documentElement).toHaveAttribute('dir', 'rtl');
    expect(screen.getByRole('heading', { level: 1, name: 'الجهاز' })).toBeInTheDocument();
    const card = screen.getByRole('region', { name: 'هذا الجهاز' });
    expect(within(card).getByText(outcomes.ORG_FINGERPRINT)).toHaveAttribute('dir', 'ltr');
    const panel = screen.getByRole('region', { name: 'تحقّق من جهازي الآن' });
    expect(within(panel).getByRole('textbox', { name: 'الرمز من تطبيق المصادقة' })).toHaveAttribute(
      'dir',
      'ltr',
    );
    await userEvent.type(within(panel).getByRole('textbox'), outcomes.WRONG_TOTP);
    await userEvent.click(within(panel).getByRole('button', { name: 'تحقّق من جهازي الآن' }));
    expect(await within(panel).findByText('لم يجتز هذا الجهاز كل الفحوص.')).toBeInTheDocument();
  });
});
