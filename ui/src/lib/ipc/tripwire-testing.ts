/**
 * The tripwires' part of the fake backend for component tests (see `testing.ts`). Test code only.
 * `mockTripwires()` holds editable answers; `tripwireHandlers()` answers the tripwire commands
 * from them as the backend does (a locked remote-access warning refuses to turn off, either answer
 * to the code guard records the offer); `emitTripwireRaised()` and `emitOpenSupport()` play the
 * backend's events.
 */
import { emit } from '@tauri-apps/api/event';
import type { IpcError, TripwireEvent, TripwireStatus } from '.';
import * as tripwireFixtures from './tripwire-fixtures';

export { tripwireFixtures };

export type TripwireBackend = {
  status: TripwireStatus;
  events: TripwireEvent[];
};

export function mockTripwires(): TripwireBackend {
  return {
    status: tripwireFixtures.tripwireStatus(),
    events: tripwireFixtures.tripwireEvents(),
  };
}

type Handler = (args: Record<string, unknown>) => unknown;

/** The error the backend gives when the organisation locked the remote-access warning on. */
export const LOCKED: IpcError = {
  code: 'invalid_input',
  message: 'your organisation keeps this protection on',
  reason: 'tripwire_locked',
};

/** Handlers for the tripwire commands, reading and updating `tripwires()`. */
export function tripwireHandlers(
  tripwires: () => TripwireBackend,
  fail: (error: IpcError) => unknown,
): [string, Handler][] {
  const change = (c: Partial<TripwireStatus>): TripwireStatus => {
    const tw = tripwires();
    tw.status = { ...tw.status, ...c };
    return { ...tw.status };
  };
  return [
    ['tripwire_status', () => ({ ...tripwires().status })],
    [
      'set_remote_tripwire',
      (args) => {
        const enabled = Boolean(args.enabled);
        if (!enabled && tripwires().status.locked) return fail(LOCKED);
        return change({ remote: enabled });
      },
    ],
    [
      'set_code_guard',
      (args) => change({ codeGuard: Boolean(args.enabled), codeGuardOffered: true }),
    ],
    ['decline_code_guard', () => change({ codeGuardOffered: true })],
    ['tripwire_events', () => tripwires().events.map((e) => ({ ...e }))],
  ];
}

/** Plays the backend's `tripwire-raised` event (an event was recorded). */
export async function emitTripwireRaised(): Promise<void> {
  await emit('tripwire-raised', null);
}

/** Plays the backend's `open-support` event (a tripwire alert was clicked). */
export async function emitOpenSupport(): Promise<void> {
  await emit('open-support', null);
}
