import { render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { emitSupportChanged, supportFixtures } from '../ipc/support-testing';
import { fail, mockBackend } from '../ipc/testing';
import LiveStatusCard from './LiveStatusCard.svelte';

afterEach(() => {
  vi.useRealTimers();
});

describe("Home's live support status", () => {
  it('asks again every 30 seconds and on support-changed', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const backend = mockBackend();
    render(LiveStatusCard);
    const card = await screen.findByTestId('live-status');
    await waitFor(() =>
      expect(card).toHaveTextContent(
        'No one from support is talking to you. If someone says they are, hang up.',
      ),
    );
    expect(backend.callsTo('support_status')).toHaveLength(1);

    backend.support.status = supportFixtures.liveStatus.chatting();
    await vi.advanceTimersByTimeAsync(30_000);
    await waitFor(() =>
      expect(card).toHaveTextContent('You are chatting with Wong Ka Yan (verified).'),
    );
    expect(backend.callsTo('support_status')).toHaveLength(2);
    expect(card).toHaveAttribute('data-state', 'chatting');

    backend.support.status = supportFixtures.liveStatus.calling();
    await emitSupportChanged();
    await waitFor(() =>
      expect(card).toHaveTextContent('Wong Ka Yan is calling you now — check the code in Verity.'),
    );
  });

  it('says it cannot check, with the reason, and treats a failed ask the same', async () => {
    const backend = mockBackend();
    backend.support.status = supportFixtures.liveStatus.cannotCheck();
    const { unmount } = render(LiveStatusCard);
    const card = await screen.findByTestId('live-status');
    await waitFor(() => expect(card).toHaveAttribute('data-state', 'cannot_check'));
    expect(card).toHaveTextContent("Verity cannot reach your organisation's desk (offline).");
    unmount();

    backend.on('support_status', () => fail({ code: 'desk_unreachable', message: 'offline' }));
    render(LiveStatusCard);
    const failed = await screen.findByTestId('live-status');
    await waitFor(() => expect(failed).toHaveAttribute('data-state', 'cannot_check'));
    expect(failed).toHaveTextContent(
      "Can't check — don't talk to anyone who says they are support.",
    );
  });
});
