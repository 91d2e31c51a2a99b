import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { applyLanguage } from '../lib/i18n';
import type { CheckOutcome, IpcError } from '../lib/ipc';
import { mockBackend, outcomes } from '../lib/ipc/testing';
import Check from './Check.svelte';

const OPEN = 'Report to IT';
const FORM = 'Report this check to IT';
const NOTE = 'What happened? (optional)';
const PASSPHRASE = 'Passphrase of the device key file';

type Backend = ReturnType<typeof mockBackend>;

/** An enrolled device (key in the system store unless `keyInFile`) and `outcome` for its input. */
function enrolledBackend(outcome: CheckOutcome, keyInFile = false): Backend {
  const backend = mockBackend();
  backend.device = outcomes.deviceBound({ keyStore: keyInFile ? 'file' : 'os' });
  backend.outcomes.set(outcome.input, outcome);
  return backend;
}

/** Checks `outcome.input` as `kind` on the Check screen and waits for the verdict. */
async function checkIt(outcome: CheckOutcome, kind = 'Detect automatically'): Promise<void> {
  render(Check);
  await userEvent.click(screen.getByRole('textbox'));
  await userEvent.paste(outcome.input);
  await userEvent.click(screen.getByRole('radio', { name: kind }));
  await userEvent.click(screen.getByRole('button', { name: 'Check' }));
  await waitFor(() => expect(document.querySelector('.banner')).not.toBeNull());
}

async function openForm(): Promise<HTMLElement> {
  await userEvent.click(await screen.findByRole('button', { name: OPEN }));
  return screen.getByRole('form', { name: FORM });
}

const reportCalls = (backend: Backend) => backend.callsTo('report_check').map((c) => c.args);

describe('Report to IT from a Check verdict', () => {
  it('is offered on a verdict only when the device is enrolled', async () => {
    const backend = mockBackend();
    backend.outcomes.set(outcomes.scamPhone().input, outcomes.scamPhone());
    await checkIt(outcomes.scamPhone());
    await waitFor(() => expect(backend.callsTo('device_status')).toHaveLength(1));
    expect(screen.queryByRole('button', { name: OPEN })).toBeNull();
  });

  it('is not offered for an input that cannot be read', async () => {
    enrolledBackend(outcomes.invalidPhone());
    await checkIt(outcomes.invalidPhone());
    expect(screen.getByRole('heading', { name: 'Cannot be checked' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: OPEN })).toBeNull();
  });

  it('sends the input and kind the check ran with, then says so and lists the report', async () => {
    const backend = enrolledBackend(outcomes.scamPhone());
    await checkIt(outcomes.scamPhone(), 'Phone number');
    const button = await screen.findByRole('button', { name: OPEN });
    expect(button).toHaveAttribute('aria-expanded', 'false');
    await userEvent.click(button);
    expect(button).toHaveAttribute('aria-expanded', 'true');
    const form = screen.getByRole('form', { name: FORM });
    const note = within(form).getByRole('textbox', { name: NOTE });
    expect(note).toHaveFocus();
    expect(within(form).queryByLabelText(PASSPHRASE)).toBeNull();
    // Editing the box after the check does not change what is reported.
    await userEvent.type(screen.getByRole('textbox', { name: /Paste a phone number/ }), ' 1');
    await userEvent.type(note, 'Called me as DingTalk support');
    await userEvent.click(within(form).getByRole('button', { name: 'Send' }));

    expect(reportCalls(backend)).toEqual([
      {
        input: '2345 6789',
        kind: 'phone',
        note: 'Called me as DingTalk support',
        passphrase: null,
      },
    ]);
    const sent = await screen.findByText(
      "Sent to IT (report #46). You'll see here what IT decides.",
    );
    expect(sent).toHaveAttribute('role', 'status');
    expect(sent).toHaveFocus();
    expect(screen.queryByRole('form', { name: FORM })).toBeNull();
    expect(screen.queryByRole('button', { name: OPEN })).toBeNull();
    const reports = await screen.findByRole('region', { name: 'Your reports to IT' });
    const first = (await within(reports).findAllByRole('listitem'))[0] as HTMLElement;
    expect(first).toHaveTextContent('+85223456789');
    expect(first).toHaveTextContent('Waiting for IT');
  });

  it('sends a message check with the detected kind (null)', async () => {
    const backend = enrolledBackend(outcomes.scamMessage());
    await checkIt(outcomes.scamMessage());
    const form = await openForm();
    await userEvent.click(within(form).getByRole('button', { name: 'Send' }));
    await screen.findByText(/Sent to IT \(report #46\)/);
    expect(reportCalls(backend)).toEqual([
      { input: outcomes.scamMessage().input, kind: null, note: '', passphrase: null },
    ]);
  });

  it('closes on Cancel and on Escape, focus back on its button, nothing sent', async () => {
    const backend = enrolledBackend(outcomes.suspiciousLink());
    await checkIt(outcomes.suspiciousLink());
    let form = await openForm();
    await userEvent.click(within(form).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('form', { name: FORM })).toBeNull();
    expect(screen.getByRole('button', { name: OPEN })).toHaveFocus();
    await userEvent.keyboard('{Enter}');
    form = screen.getByRole('form', { name: FORM });
    expect(within(form).getByRole('textbox')).toHaveFocus();
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('form', { name: FORM })).toBeNull();
    expect(screen.getByRole('button', { name: OPEN })).toHaveFocus();
    expect(reportCalls(backend)).toEqual([]);
  });

  it('asks for the passphrase up front when the key is in a key file', async () => {
    const backend = enrolledBackend(outcomes.scamPhone(), true);
    backend.reports.keyPassphrase = 'correct horse battery';
    await checkIt(outcomes.scamPhone());
    const form = await openForm();
    const field = within(form).getByLabelText(PASSPHRASE);
    expect(field).toHaveAttribute('type', 'password');
    await userEvent.click(within(form).getByRole('button', { name: 'Send' }));
    expect(within(form).getByText('Enter the passphrase of the device key file.')).toBeVisible();
    expect(reportCalls(backend)).toEqual([]);
    await userEvent.type(field, 'nope');
    await userEvent.click(within(form).getByRole('button', { name: 'Send' }));
    expect(
      await within(form).findByText(
        'That passphrase does not open the device key file. Try again.',
      ),
    ).toBeInTheDocument();
    await userEvent.type(field, 'correct horse battery');
    await userEvent.click(within(form).getByRole('button', { name: 'Send' }));
    await screen.findByText(/Sent to IT \(report #46\)/);
    expect(reportCalls(backend).map((c) => c.passphrase)).toEqual([
      'nope',
      'correct horse battery',
    ]);
  });

  it('asks for the passphrase when the backend says it is needed', async () => {
    const backend = enrolledBackend(outcomes.scamPhone());
    backend.reports.keyPassphrase = 'secret words';
    await checkIt(outcomes.scamPhone());
    const form = await openForm();
    await userEvent.click(within(form).getByRole('button', { name: 'Send' }));
    const field = await within(form).findByLabelText(PASSPHRASE);
    expect(field).toHaveFocus();
    expect(within(form).queryByRole('alert')).toBeNull();
  });

  it('refuses a note holding a one-time code, worded, the note kept and focused', async () => {
    const backend = enrolledBackend(outcomes.scamPhone());
    await checkIt(outcomes.scamPhone());
    const form = await openForm();
    const note = within(form).getByRole('textbox', { name: NOTE });
    await userEvent.type(note, 'he asked for 123456');
    await userEvent.click(within(form).getByRole('button', { name: 'Send' }));
    const alert = await within(form).findByRole('alert');
    expect(alert).toHaveTextContent('Never send a code to anyone, not even IT.');
    expect(note).toHaveValue('he asked for 123456');
    await waitFor(() => expect(note).toHaveFocus());
    expect(backend.reports.list.reports).toHaveLength(5);
  });

  it.each([
    [
      { code: 'invalid_input', message: 'nothing', reason: 'nothing_to_report' },
      'There is no phone number, link or message in this to report.',
    ],
    [
      { code: 'invalid_input', message: 'long', reason: 'too_long' },
      'This text is too long to report. Report the phone number or link on its own.',
    ],
    [
      { code: 'invalid_input', message: 'bad note', reason: 'report_note_invalid' },
      "IT's desk did not accept the note",
    ],
    [
      { code: 'desk_refused', message: 'rate limited', reason: 'report_rate_limited' },
      'This computer has sent IT too many reports this hour.',
    ],
    [
      { code: 'desk_refused', message: 'revoked', reason: 'device_revoked' },
      "IT has revoked this device's binding.",
    ],
    [
      { code: 'desk_unreachable', message: 'connection refused' },
      "Verity could not reach your organisation's desk.",
    ],
    [
      { code: 'not_enrolled', message: 'not enrolled' },
      'This computer is not enrolled with your organisation',
    ],
  ] as [IpcError, string][])('words a refusal (%o) and keeps the note', async (error, words) => {
    const backend = enrolledBackend(outcomes.scamPhone());
    backend.reports.reportFailure = error;
    await checkIt(outcomes.scamPhone());
    const form = await openForm();
    await userEvent.type(within(form).getByRole('textbox'), 'keep me');
    await userEvent.click(within(form).getByRole('button', { name: 'Send' }));
    const alert = await within(form).findByRole('alert');
    expect(alert).toHaveTextContent('The report could not be sent.');
    expect(alert).toHaveTextContent(words);
    expect(within(form).getByRole('textbox')).toHaveValue('keep me');
    expect(screen.queryByText(/Sent to IT \(report/)).toBeNull();
  });

  it('is closed by a new check', async () => {
    enrolledBackend(outcomes.scamPhone());
    await checkIt(outcomes.scamPhone());
    await openForm();
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    await waitFor(() => expect(screen.queryByRole('form', { name: FORM })).toBeNull());
    expect(screen.getByRole('button', { name: OPEN })).toHaveAttribute('aria-expanded', 'false');
  });

  it('reads in Arabic', async () => {
    const backend = enrolledBackend(outcomes.scamPhone());
    applyLanguage('ar');
    render(Check);
    await userEvent.click(screen.getByRole('textbox'));
    await userEvent.paste(outcomes.scamPhone().input);
    await userEvent.click(document.querySelector('button[type="submit"]') as HTMLElement);
    await userEvent.click(await screen.findByRole('button', { name: 'إبلاغ قسم تقنية المعلومات' }));
    const form = screen.getByRole('form', { name: 'إبلاغ قسم تقنية المعلومات بهذا الفحص' });
    await userEvent.click(within(form).getByRole('button', { name: 'إرسال' }));
    expect(
      await screen.findByText(
        'أُرسل إلى قسم تقنية المعلومات (البلاغ رقم 46). سترى هنا ما يقرره القسم.',
      ),
    ).toBeInTheDocument();
    expect(backend.callsTo('report_check')).toHaveLength(1);
  });
});

describe('Disputing a Check verdict', () => {
  const DISPUTE = 'This is genuine: dispute the verdict';
  const DISPUTE_FORM = 'Tell IT this is genuine';

  it('asks why, then sends an appeal naming the checked item', async () => {
    const backend = enrolledBackend(outcomes.scamPhone());
    await checkIt(outcomes.scamPhone(), 'Phone number');
    await userEvent.click(await screen.findByRole('button', { name: DISPUTE }));
    const form = screen.getByRole('form', { name: DISPUTE_FORM });
    await userEvent.click(within(form).getByRole('button', { name: 'Send' }));
    expect(await within(form).findByText(/Say why it is genuine/)).toBeInTheDocument();
    await userEvent.type(
      within(form).getByRole('textbox', { name: NOTE }),
      "Our supplier's support line",
    );
    await userEvent.click(within(form).getByRole('button', { name: 'Send' }));
    expect(await screen.findByText(/Sent to IT \(appeal #/)).toBeInTheDocument();
    const calls = backend.callsTo('dispute_check').map((c) => c.args);
    expect(calls.at(-1)).toEqual({
      input: '2345 6789',
      kind: 'phone',
      note: "Our supplier's support line",
      passphrase: null,
    });
    expect(screen.queryByRole('button', { name: DISPUTE })).toBeNull();
  });

  it('is not offered when the device is not enrolled', async () => {
    const backend = mockBackend();
    backend.outcomes.set(outcomes.scamPhone().input, outcomes.scamPhone());
    await checkIt(outcomes.scamPhone());
    await waitFor(() => expect(backend.callsTo('device_status')).toHaveLength(1));
    expect(screen.queryByRole('button', { name: DISPUTE })).toBeNull();
  });
});
