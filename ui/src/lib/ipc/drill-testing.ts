/**
 * The drill part of the fake backend for component tests (see `testing.ts`). Test code only.
 * `mockDrills()` holds the employee's drills; `drillHandlers()` answers the drill commands as the
 * backend does (the first act decides; a message with 4–8 digits is `engaged`, another one gets
 * the fake agent's next line); `matchCheck()` is the backend's `match_check` for the `check`
 * command; `emitDrillChanged()`, `emitDrillRevealed()` and `emitOpenDrill()` play its events.
 */
import { emit } from '@tauri-apps/api/event';
import type { DrillAct, DrillView, IpcError } from '.';
import * as drillFixtures from './drill-fixtures';

export { drillFixtures };

export type DrillBackend = {
  /** The employee's drills, newest first. */
  drills: DrillView[];
  /** Commands that fail, with the error the backend would return. */
  failures: Partial<Record<string, IpcError>>;
  /** The clock the backend records acts with (Unix seconds). */
  now: number;
};

export function mockDrills(): DrillBackend {
  return { drills: [], failures: {}, now: drillFixtures.SHOWN + 300 };
}

type Handler = (args: Record<string, unknown>) => unknown;

const NOT_FOUND: IpcError = { code: 'not_found', message: 'no such drill', reason: null };
const HOW: Record<DrillAct, 'report_to_it' | 'opened_link' | 'dismissed'> = {
  report_to_it: 'report_to_it',
  opened_link: 'opened_link',
  dismissed: 'dismissed',
};

/** Handlers for the drill commands, reading and updating `drills()`. */
export function drillHandlers(
  drills: () => DrillBackend,
  fail: (error: IpcError) => unknown,
): [string, Handler][] {
  const guarded =
    (cmd: string, run: Handler): Handler =>
    (args) => {
      const failure = drills().failures[cmd];
      return failure ? fail(failure) : run(args);
    };
  const change = (id: unknown, update: (d: DrillView) => DrillView): unknown => {
    const db = drills();
    const drill = db.drills.find((d) => d.drillId === id);
    if (!drill) return fail(NOT_FOUND);
    const next = update(drill);
    db.drills = db.drills.map((d) => (d.drillId === id ? next : d));
    return structuredClone(next);
  };
  return [
    ['drill_list', guarded('drill_list', () => structuredClone(drills().drills))],
    ['drill_get', guarded('drill_get', (args) => change(args.drillId, (d) => d))],
    [
      'drill_act',
      guarded('drill_act', (args) =>
        change(args.drillId, (d) =>
          drillFixtures.decided(d, HOW[args.act as DrillAct], drills().now),
        ),
      ),
    ],
    [
      'drill_chat_send',
      guarded('drill_chat_send', (args) => {
        const text = String(args.text);
        if (text.trim() === '' || [...text].length > 2000)
          return fail({
            code: 'invalid_input',
            message: 'message empty or too long',
            reason: 'too_long',
          });
        return change(args.drillId, (d) => {
          if (d.state === 'done') return d;
          const now = drills().now;
          const chat = [...d.chat, { from: 'me' as const, text, at: now }];
          if (drillFixtures.hasCode(text))
            return drillFixtures.decided({ ...d, chat }, 'typed_code', now);
          const said = chat.filter((l) => l.from === 'them').length - 1;
          const next = drillFixtures.SUPPORT_CODE.en.followUps[said] ?? d.body;
          return { ...d, chat: [...chat, { from: 'them' as const, text: next, at: now }] };
        });
      }),
    ],
  ];
}

/**
 * The backend's `match_check`: a Check of an open lure's number or link reports it (`check`).
 * Returns the drill reported, or null.
 */
export function matchCheck(db: DrillBackend, input: string): string | null {
  const bare = (s: string): string => s.replace(/[\s-]/g, '');
  const drill = db.drills.find(
    (d) => d.state === 'open' && (bare(d.number) === bare(input) || d.link === input.trim()),
  );
  if (!drill) return null;
  db.drills = db.drills.map((d) => (d === drill ? drillFixtures.decided(d, 'check', db.now) : d));
  return drill.drillId;
}

/** Plays the backend's `drill-changed` event. */
export async function emitDrillChanged(): Promise<void> {
  await emit('drill-changed', null);
}

/** Plays the backend's `drill-revealed` event for drill `drillId`. */
export async function emitDrillRevealed(drillId: string): Promise<void> {
  await emit('drill-revealed', { drillId });
}

/** Plays the backend's `open-drill` event (the lure's notification was clicked). */
export async function emitOpenDrill(drillId: string): Promise<void> {
  await emit('open-drill', drillId);
}
