import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { emitAgentChanged, supportFixtures } from '../lib/ipc/support-testing';
import { mockBackend } from '../lib/ipc/testing';
import Agent from './Agent.svelte';

const NOW = Math.floor(Date.now() / 1000);

describe('Agent', () => {
  it('says so in an app that is not an agent’s', async () => {
    mockBackend();
    render(Agent);
    expect(await screen.findByText(/This app is not a support agent's/)).toBeInTheDocument();
  });

  it('asks for the passphrase when going online needs it, and leaves the switch as it was', async () => {
    const backend = mockBackend();
    backend.support.desk = { ...supportFixtures.agentDesk(NOW), online: false };
    backend.support.failures.agent_set_online = {
      code: 'passphrase_needed',
      message: 'the device key is in a passphrase file',
    };
    const user = userEvent.setup();
    render(Agent);
    const online = await screen.findByRole('switch', { name: 'Online (taking sessions)' });
    await user.click(online);
    expect(await screen.findByLabelText('Passphrase of the device key file')).toBeInTheDocument();
    expect(online).not.toBeChecked();

    delete backend.support.failures.agent_set_online;
    await user.type(screen.getByLabelText('Passphrase of the device key file'), 'correct horse');
    await user.click(online);
    await waitFor(() => expect(online).toBeChecked());
    expect(backend.callsTo('agent_set_online').at(-1)?.args).toEqual({
      online: true,
      passphrase: 'correct horse',
    });
  });

  it('shows a supervisor the deadlines that are near, and nothing when there are none', async () => {
    const backend = mockBackend();
    backend.support.desk = supportFixtures.agentDesk(NOW);
    const { unmount } = render(Agent);
    await screen.findByTestId('agent-offers');
    expect(screen.queryByTestId('agent-alerts')).toBeNull();
    unmount();
    backend.support.desk = {
      ...supportFixtures.agentDesk(NOW),
      alerts: [
        { sessionId: '0123456789abcdef0123456789abcdef', kind: 'wait', deadline: NOW + 120 },
        {
          sessionId: 'fedcba9876543210fedcba9876543210',
          kind: 'first_response',
          deadline: NOW + 30,
        },
      ],
    };
    render(Agent);
    const alerts = await screen.findByRole('alert', { name: 'Deadlines near' });
    const items = within(alerts).getAllByTestId('agent-alert');
    expect(items[0]).toHaveTextContent('Session 01234567: no agent has taken it yet');
    expect(items[1]).toHaveTextContent('Session fedcba98: the agent has not answered yet');
  });

  it('reloads on agent-changed and shows the employee’s answer to the call', async () => {
    const backend = mockBackend();
    backend.support.desk = {
      ...supportFixtures.agentDesk(NOW),
      sessions: [
        supportFixtures.agentSession({
          call: { callId: 'c-1', code: supportFixtures.CALL_CODE, matched: null },
        }),
      ],
    };
    render(Agent);
    const panel = await screen.findByRole('tabpanel');
    expect(panel).toHaveTextContent('Read this code to the employee:');
    expect(panel).toHaveTextContent('482 915');
    expect(panel).toHaveTextContent("Waiting for the employee's answer…");
    backend.support.desk = {
      ...backend.support.desk,
      sessions: [
        supportFixtures.agentSession({
          call: { callId: 'c-1', code: supportFixtures.CALL_CODE, matched: false },
        }),
      ],
    };
    await emitAgentChanged();
    await waitFor(() =>
      expect(within(panel).getByText(/The employee said the code was different/)).toBeVisible(),
    );
  });

  it('keeps an event that arrived while an action ran, though the action answers later with an older view', async () => {
    const backend = mockBackend();
    backend.support.desk = {
      ...supportFixtures.agentDesk(NOW),
      sessions: [supportFixtures.agentSession()],
    };
    // As in the real app: the close's own event (closed) reaches the page before the command's
    // answer, which Rust built before the session closed.
    let answered = false;
    backend.on('agent_close', async () => {
      const answer = structuredClone(backend.support.desk);
      const desk = backend.support.desk;
      if (!desk) throw new Error('not an agent');
      backend.support.desk = {
        ...desk,
        sessions: desk.sessions.map((s) => ({
          ...s,
          phase: 'closed' as const,
          outcome: 'resolved' as const,
        })),
      };
      await emitAgentChanged();
      await new Promise((resolve) => setTimeout(resolve, 50));
      answered = true;
      return answer;
    });
    const user = userEvent.setup();
    render(Agent);
    const panel = await screen.findByRole('tabpanel');
    await user.click(within(panel).getByRole('button', { name: 'Close session' }));
    // Once the answer is in and the page settled, the view is the newer one (closed).
    await waitFor(() => expect(answered).toBe(true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await waitFor(() => expect(panel).toHaveTextContent('Outcome: Solved'), { timeout: 200 });
    expect(within(panel).queryByLabelText('Your message')).toBeNull();
  });
});
