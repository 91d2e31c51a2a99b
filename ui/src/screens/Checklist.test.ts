import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { mockBackend, type Backend } from '../lib/ipc/testing';
import { router } from '../lib/router.svelte';
import Checklist from './Checklist.svelte';

const STEPS = [
  'remove_unofficial_numbers',
  'announce_official_path',
  'alerts_on',
  'drill_owner',
  'training',
] as const;

type Status = 'not_started' | 'in_progress' | 'done' | 'due_again';

function stepState(step: string, status: Status): Record<string, unknown> {
  const at = status === 'not_started' ? null : 1_767_225_600;
  return {
    step,
    status,
    started_at: at,
    updated_at: at,
    done_at: status === 'done' ? at : null,
    due_at: null,
    evidence:
      step === 'announce_official_path' && status === 'done' ? { step, acknowledged_at: at } : null,
  };
}

function statusOf(statuses: Status[]): Record<string, unknown> {
  const done = statuses.filter((s) => s === 'done').length;
  return {
    steps: STEPS.map((step, i) => ({
      state: stepState(step, statuses[i] ?? 'not_started'),
      summary:
        statuses[i] === 'done'
          ? 'Official support path acknowledged on 2026-01-01'
          : 'No evidence yet',
    })),
    progress: { done, due_again: 0, in_progress: 0, total: 5 },
    nextDrill: 1_775_001_600,
    passPercent: 80,
    nextStep: 'remove_unofficial_numbers',
  };
}

function setup(statuses: Status[] = []): Backend {
  const backend = mockBackend();
  backend.on('checklist_status', () => statusOf(statuses));
  backend.on('record_quiz', (args) =>
    stepState('training', Number(args.score) >= 10 ? 'done' : 'in_progress'),
  );
  backend.on('acknowledge_official_path', () => stepState('announce_official_path', 'done'));
  backend.on('confirm_test_alert', () => stepState('alerts_on', 'done'));
  return backend;
}

describe('Checklist', () => {
  it('shows progress, the five steps with their state and evidence, and the next drill', async () => {
    setup(['not_started', 'done', 'in_progress', 'not_started', 'due_again']);
    render(Checklist);
    expect(await screen.findByTestId('checklist-progress')).toHaveTextContent('1 of 5 steps done');
    expect(screen.getByText('Next drill: 2026-04-01')).toBeInTheDocument();
    const items = screen.getAllByRole('listitem');
    expect(items).toHaveLength(5);
    expect(within(items[0] as HTMLElement).getByTestId('step-status')).toHaveTextContent(
      'Not started',
    );
    expect(within(items[1] as HTMLElement).getByTestId('step-status')).toHaveTextContent('Done');
    expect(items[1]).toHaveTextContent('Done on 2026-01-01');
    expect(items[1]).toHaveTextContent('Official support path acknowledged');
    expect(within(items[2] as HTMLElement).getByTestId('step-status')).toHaveTextContent(
      'In progress',
    );
    expect(within(items[4] as HTMLElement).getByTestId('step-status')).toHaveTextContent(
      'Due again',
    );
    expect(screen.getByRole('progressbar', { name: 'Checklist progress' })).toHaveAttribute(
      'value',
      '1',
    );
  });

  it('acknowledges the official path after showing the drawn steps', async () => {
    const backend = setup();
    render(Checklist);
    await userEvent.click(await screen.findByTestId('open-announce_official_path'));
    expect(screen.getAllByRole('img', { name: /Drawing of the DingTalk app/ })).toHaveLength(3);
    await userEvent.click(screen.getByRole('button', { name: /I understand/ }));
    await waitFor(() => expect(backend.callsTo('acknowledge_official_path')).toHaveLength(1));
    expect(await screen.findByText('Acknowledged. Step 2 is done.')).toBeInTheDocument();
  });

  it('links from the official-path step to the Support screen', async () => {
    setup();
    render(Checklist);
    await userEvent.click(await screen.findByTestId('open-announce_official_path'));
    await userEvent.click(screen.getByRole('link', { name: 'How to reach real DingTalk support' }));
    expect(router.current).toBe('support');
    expect(window.location.hash).toBe('#/support');
    router.go('home');
  });

  it('sends a real test alert, then records the confirmation with start at login', async () => {
    const backend = setup();
    render(Checklist);
    await userEvent.click(await screen.findByTestId('open-alerts_on'));
    await userEvent.click(screen.getByRole('button', { name: 'Send a test alert' }));
    await waitFor(() => expect(backend.callsTo('send_test_notification')).toHaveLength(1));
    await userEvent.click(await screen.findByRole('button', { name: 'I saw it' }));
    await waitFor(() => expect(backend.callsTo('confirm_test_alert')).toHaveLength(1));
    expect(backend.callsTo('confirm_test_alert')[0]?.args).toEqual({ startAtLogin: true });
  });

  it('scans picked files and lists the findings in words', async () => {
    const backend = setup();
    backend.on('scan_files', (args) => {
      const files = args.files as { name: string; bytes: number[] }[];
      return {
        files: [
          {
            file: files[0]?.name,
            scan: {
              file: files[0]?.name,
              format: 'vcard',
              encoding: 'utf8',
              entries: 2,
              numbers: 2,
              flagged: 1,
              findings: [
                {
                  file: files[0]?.name,
                  location: { kind: 'line', line: 12 },
                  entry: 1,
                  name: 'DingTalk HK Support',
                  number: '+852 3001 2345',
                  normalized: '+85230012345',
                  link: null,
                  reason: 'presented_as_platform_support',
                  cue: 'DingTalk',
                  matches: [],
                },
              ],
            },
            error: null,
          },
        ],
        summary: { files: 1, entries: 2, flagged: 1, removed: 0 },
        step: stepState('remove_unofficial_numbers', 'in_progress'),
      };
    });
    backend.on('save_clean_copies', () => ({
      copies: [
        { file: 'ios.vcf', path: '/tmp/x/ios-cleaned.vcf', removed: 1, kept: 1, error: null },
      ],
      step: stepState('remove_unofficial_numbers', 'done'),
    }));
    render(Checklist);
    await userEvent.click(await screen.findByTestId('open-remove_unofficial_numbers'));
    const file = new File(['BEGIN:VCARD\r\nEND:VCARD\r\n'], 'ios.vcf', { type: 'text/vcard' });
    await userEvent.upload(screen.getByLabelText('Choose files'), file);
    const table = await screen.findByRole('table', { name: 'Findings' });
    expect(table).toHaveTextContent('DingTalk HK Support');
    expect(table).toHaveTextContent('line 12');
    expect(table).toHaveTextContent('Saved as DingTalk support');
    const sent = backend.callsTo('scan_files')[0]?.args.files as {
      name: string;
      bytes: number[];
    }[];
    expect(sent[0]?.name).toBe('ios.vcf');
    expect(sent[0]?.bytes.slice(0, 5)).toEqual([66, 69, 71, 73, 78]);
    await userEvent.click(screen.getByRole('button', { name: 'Save a cleaned copy' }));
    expect(await screen.findByTestId('scan-copies')).toHaveTextContent('/tmp/x/ios-cleaned.vcf');
  });

  it('refuses a file over 50 MB without sending it', async () => {
    const backend = setup();
    render(Checklist);
    await userEvent.click(await screen.findByTestId('open-remove_unofficial_numbers'));
    const big = new File(['x'], 'big.csv');
    Object.defineProperty(big, 'size', { value: 50 * 1024 * 1024 + 1 });
    await userEvent.upload(screen.getByLabelText('Choose files'), big);
    expect(await screen.findByRole('alert')).toHaveTextContent('over 50 MB');
    expect(backend.callsTo('scan_files')).toHaveLength(0);
  });

  it('runs the training and a quiz of at least ten shuffled questions, recording a pass', async () => {
    const backend = setup();
    render(Checklist);
    await userEvent.click(await screen.findByTestId('open-training'));
    for (let i = 0; i < 4; i += 1) await userEvent.click(screen.getByTestId('training-next'));
    await userEvent.click(screen.getByTestId('quiz-start'));
    let asked = 0;
    const seen = new Set<string>();
    while (screen.queryByTestId('quiz')) {
      const form = screen.getByTestId('quiz');
      seen.add(form.getAttribute('data-question') ?? '');
      const right = form.querySelector<HTMLInputElement>('input[data-correct="true"]');
      if (!right) throw new Error('no right answer');
      await userEvent.click(right);
      await userEvent.click(screen.getByTestId('quiz-answer'));
      expect(screen.getByTestId('quiz-verdict')).toHaveTextContent('Correct.');
      await userEvent.click(screen.getByTestId('quiz-next'));
      asked += 1;
    }
    expect(asked).toBeGreaterThanOrEqual(10);
    expect(seen.size).toBe(asked);
    await waitFor(() => expect(backend.callsTo('record_quiz')).toHaveLength(1));
    expect(backend.callsTo('record_quiz')[0]?.args).toEqual({ score: asked, total: asked });
    expect(screen.getByTestId('quiz-result')).toHaveTextContent('You passed');
  });

  it('explains a wrong answer and records a fail below the pass mark', async () => {
    const backend = setup();
    render(Checklist);
    await userEvent.click(await screen.findByTestId('open-training'));
    for (let i = 0; i < 4; i += 1) await userEvent.click(screen.getByTestId('training-next'));
    await userEvent.click(screen.getByTestId('quiz-start'));
    let total = 0;
    while (screen.queryByTestId('quiz')) {
      const form = screen.getByTestId('quiz');
      const wrong = form.querySelector<HTMLInputElement>('input[data-correct="false"]');
      if (!wrong) throw new Error('no wrong answer');
      await userEvent.click(wrong);
      await userEvent.click(screen.getByTestId('quiz-answer'));
      expect(screen.getByTestId('quiz-verdict')).toHaveTextContent('Not quite.');
      await userEvent.click(screen.getByTestId('quiz-next'));
      total += 1;
    }
    await waitFor(() => expect(backend.callsTo('record_quiz')).toHaveLength(1));
    expect(backend.callsTo('record_quiz')[0]?.args).toEqual({ score: 0, total });
    expect(screen.getByTestId('quiz-result')).toHaveTextContent('the pass mark is 80%');
  });
});
