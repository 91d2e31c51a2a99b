import { waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { mockBackend } from '../ipc/testing';
import { emitOpenSupport } from '../ipc/tripwire-testing';
import { router } from '../router.svelte';
import { followTripwireAlertClicks } from './alerts';

describe('tripwire alert clicks', () => {
  it('open the Support screen when the backend asks, until stopped', async () => {
    mockBackend();
    router.go('home');
    const stop = followTripwireAlertClicks();
    // The listener registers asynchronously: emit until it is heard.
    await waitFor(async () => {
      await emitOpenSupport();
      expect(router.current).toBe('support');
    });
    stop();
    router.go('home');
    await emitOpenSupport();
    expect(router.current).toBe('home');
  });
});
