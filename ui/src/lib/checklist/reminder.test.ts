import { waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { emitOpenChecklist, mockBackend } from '../ipc/testing';
import { router } from '../router.svelte';
import { followReminderClicks } from './reminder';

describe('checklist reminder clicks', () => {
  it('open the Checklist screen when the backend asks, until stopped', async () => {
    mockBackend();
    router.go('home');
    const stop = followReminderClicks();
    // The listener registers asynchronously: emit until it is heard.
    await waitFor(async () => {
      await emitOpenChecklist();
      expect(router.current).toBe('checklist');
    });
    stop();
    router.go('home');
    await emitOpenChecklist();
    expect(router.current).toBe('home');
  });
});
