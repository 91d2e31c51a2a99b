import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import App from '../App.svelte';
import { drillFixtures, emitDrillChanged } from '../lib/ipc/drill-testing';
import { mockBackend, type Backend } from '../lib/ipc/testing';
import Support from './Support.svelte';

const { chatDrill, decided, notificationDrill, SUPPORT_CODE } = drillFixtures;
const ID = 'd-00000000000000c2';
const REQUEST = 'Chat request from DingTalk Support (not verified)';

describe('the Support screen with a drill chat request', () => {
  let backend: Backend;
  beforeEach(() => {
    backend = mockBackend();
    backend.drills.drills = [chatDrill()];
  });

  it('shows the unverified chat request first, above the verified session, which stays as it was', async () => {
    render(Support);
    const request = await screen.findByRole('region', { name: REQUEST });
    expect(request).toHaveTextContent('please tell me the 6-digit verification code');
    expect(
      within(request)
        .getAllByRole('button')
        .map((b) => b.textContent?.trim()),
    ).toEqual(['Accept', 'Decline', 'Report to IT']);
    // Not a Verity warning, and the verified-session card is untouched.
    expect(within(request).queryByRole('alert')).toBeNull();
    expect(screen.getByTestId('support-session')).toBeVisible();
    expect(
      request.compareDocumentPosition(screen.getByTestId('support-session')) &
        Node.DOCUMENT_POSITION_FOLLOWING,
    ).toBeTruthy();
  });

  it('accepting shows the chat; a message without a code gets the next line; a code typed is sent and revealed', async () => {
    render(App);
    window.location.hash = '#/support';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await userEvent.click(await screen.findByRole('button', { name: 'Accept' }));
    const chat = screen.getByRole('region', { name: 'Chat with DingTalk Support' });
    const log = within(chat).getByRole('log', { name: 'Messages with DingTalk Support' });
    expect(within(log).getAllByRole('listitem')).toHaveLength(1);
    const input = within(chat).getByRole('textbox', { name: 'Message' });
    expect(input).toHaveFocus();

    await userEvent.type(input, 'Who is this?');
    await userEvent.click(within(chat).getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(within(log).getAllByRole('listitem')).toHaveLength(3));
    expect(log).toHaveTextContent(SUPPORT_CODE.en.followUps[0] ?? '');
    expect(screen.queryByRole('dialog')).toBeNull();

    await userEvent.type(input, 'It is 482915');
    await userEvent.click(within(chat).getByRole('button', { name: 'Send' }));
    expect(backend.callsTo('drill_chat_send').map((c) => c.args)).toEqual([
      { drillId: ID, text: 'Who is this?' },
      { drillId: ID, text: 'It is 482915' },
    ]);
    const dialog = await screen.findByRole('dialog', {
      name: 'This was a drill by your organisation',
    });
    expect(dialog).toHaveTextContent('You typed a code into the chat.');
    // The request is over: the Support screen no longer shows it.
    await waitFor(() => expect(screen.queryByTestId('drill-chat')).toBeNull());
  });

  it('an empty message is refused here, not sent', async () => {
    render(Support);
    await userEvent.click(await screen.findByRole('button', { name: 'Accept' }));
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(screen.getByRole('textbox', { name: 'Message' })).toHaveAccessibleDescription(
      'Type a message first.',
    );
    expect(backend.callsTo('drill_chat_send')).toEqual([]);
  });

  it('Decline records dismissed; Report to IT records report_to_it', async () => {
    render(Support);
    await userEvent.click(await screen.findByRole('button', { name: 'Decline' }));
    expect(backend.callsTo('drill_act').map((c) => c.args)).toEqual([
      { drillId: ID, act: 'dismissed' },
    ]);
    await waitFor(() => expect(screen.queryByTestId('drill-chat')).toBeNull());

    backend.drills.drills = [chatDrill({ drillId: 'd-00000000000000c3' })];
    await emitDrillChanged();
    await userEvent.click(await screen.findByRole('button', { name: 'Report to IT' }));
    expect(backend.callsTo('drill_act').map((c) => c.args)).toEqual([
      { drillId: ID, act: 'dismissed' },
      { drillId: 'd-00000000000000c3', act: 'report_to_it' },
    ]);
  });

  it('shows no request for a notification lure, a decided chat, or no drills at all', async () => {
    backend.drills.drills = [
      notificationDrill(),
      decided(chatDrill(), 'dismissed', drillFixtures.SHOWN + 30),
    ];
    render(Support);
    await waitFor(() => expect(backend.callsTo('drill_list')).toHaveLength(1));
    expect(screen.queryByTestId('drill-chat')).toBeNull();
    backend.drills.failures.drill_list = { code: 'store', message: 'locked', reason: null };
    await emitDrillChanged();
    await waitFor(() => expect(backend.callsTo('drill_list')).toHaveLength(2));
    expect(screen.queryByTestId('drill-chat')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
