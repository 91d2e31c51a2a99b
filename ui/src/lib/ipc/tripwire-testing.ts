/**
 * The tripwires' part of the fake backend for component tests (see `testing.ts`). Test code only.
 * `mockTripwires()` holds editable answers; `tripwireHandlers()` answers the tripwire commands
 * from them as the backend does (a locked remote-access warning refuses to turn off, either answer
 * to the code guard records the offer, a report marks the event sent); `emitTripwireRaised()` and `emitOpenSupport()` play the
 * backend's events.
 */
import { emit } from '@tauri-apps/api/event';
import type { IpcError, TripwireEvent, TripwireStatus } from '.';
import * as tripwireFixtures from './tripwire-fixtures';

export { tripwireFixtures };

export type TripwireBackend = {
  status: TripwireStatus;
  events: TripwireEvent[];
  /** `report_tripwire` fails with this error (after the passphrase check), when set. */
  reportFailure: IpcError | null;
  /**
   * The passphrase of the device key file, when the key is kept in one: a report without it is
   * `passphrase_needed`, with another `wrong_passphrase`. `null`: the key is in the system store.
   */
  keyPassphrase: string | null;
};

export function mockTripwires(): TripwireBackend {
  return {
    status: tripwireFixtures.tripwireStatus(),
    events: tripwireFixtures.tripwireEvents(),
    reportFailure: null,
    keyPassphrase: null,
  };
}

/** The errors the backend gives for a key kept in a passphrase file. */
export const PASSPHRASE_NEEDED: IpcError = {
  code: 'passphrase_needed',
  message: 'the device key is in a passphrase file',
};
export const WRONG_PASSPHRASE: IpcError = {
  code: 'wrong_passphrase',
  message: 'the passphrase does not open the device key file',
};

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
    [
      'report_tripwire',
      (args) => {
        const tw = tripwires();
        if (tw.keyPassphrase !== null) {
          if (args.passphrase === null || args.passphrase === undefined) {
            return fail(PASSPHRASE_NEEDED);
          }
          if (args.passphrase !== tw.keyPassphrase) return fail(WRONG_PASSPHRASE);
        }
        if (tw.reportFailure) return fail(tw.reportFailure);
        const event = tw.events.find((e) => e.id === args.id);
        if (!event) {
          return fail({ code: 'invalid_input', message: 'no such event', reason: 'no_such_event' });
        }
        if ([...String(args.note)].length > 1000) {
          return fail({
            code: 'invalid_input',
            message: 'the note is longer than 1000 characters',
            reason: 'report_note_invalid',
          });
        }
        event.reportedAt = tripwireFixtures.REPORTED_AT;
        return { ...event };
      },
    ],
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
