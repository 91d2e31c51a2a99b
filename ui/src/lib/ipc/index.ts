/**
 * The UI's only door to the Rust backend.
 *
 * Everything else in the UI imports from here, never from `@tauri-apps/*` nor from the generated
 * `bindings.ts` directly (an ESLint rule enforces the first). Each command is unwrapped: it resolves
 * to its data, or rejects with an {@link IpcFailure} that carries one code of the closed
 * {@link ErrorCode} set. The UI branches on `code`, never on `message`.
 *
 * To expose a new command: add one line to the "Commands" block, wrapping the generated function
 * with `call`. To expose a new event: add an `on…` function like {@link onSettingsChanged}.
 */
import { commands, events } from './bindings';
import type {
  AdviceCode,
  AppStatus,
  BlocklistState,
  Category,
  CheckKind,
  CheckOutcome_Serialize,
  EntryKind,
  ErrorCode,
  IpcError,
  Language,
  Match_Serialize,
  Reason_Serialize,
  ReasonCode,
  Settings,
  Verdict,
} from './bindings';

export type {
  AdviceCode,
  AppStatus,
  BlocklistState,
  Category,
  CheckKind,
  EntryKind,
  ErrorCode,
  IpcError,
  Language,
  ReasonCode,
  Settings,
  Verdict,
};

/** The result of a check, as the backend sends it (`normalized`, `detail`… are always present). */
export type CheckOutcome = CheckOutcome_Serialize;
/** A reason code with its evidence, as the backend sends it. */
export type Reason = Reason_Serialize;
/** A blocklist entry that matched, as the backend sends it (`added` in Unix seconds). */
export type Match = Match_Serialize;

/** Every code the backend may send, in the order the backend declares them. */
export const ERROR_CODES = [
  'invalid_input',
  'not_found',
  'store_busy',
  'store',
  'notification_unavailable',
  'autostart',
  'internal',
] as const satisfies readonly ErrorCode[];

// Fails to compile when the backend adds a code that ERROR_CODES does not list.
type MissingCodes = Exclude<ErrorCode, (typeof ERROR_CODES)[number]>;
const everyCodeListed: [MissingCodes] extends [never] ? true : MissingCodes = true;
void everyCodeListed;

/** Every verdict, from the most to the least alarming. */
export const VERDICTS = [
  'scam',
  'suspicious',
  'official',
  'no_record',
  'invalid',
] as const satisfies readonly Verdict[];

/** What a check can be asked to read the input as (`null` lets the backend detect it). */
export const CHECK_KINDS = ['phone', 'url', 'text'] as const satisfies readonly CheckKind[];

// Fail to compile when the backend adds a verdict or a kind that the lists above lack.
const everyVerdictListed: [Exclude<Verdict, (typeof VERDICTS)[number]>] extends [never]
  ? true
  : never = true;
const everyKindListed: [Exclude<CheckKind, (typeof CHECK_KINDS)[number]>] extends [never]
  ? true
  : never = true;
void everyVerdictListed;
void everyKindListed;

/** A backend call that failed, classified by a closed code. */
export class IpcFailure extends Error {
  override readonly name = 'IpcFailure';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

function isErrorCode(value: unknown): value is ErrorCode {
  return (ERROR_CODES as readonly unknown[]).includes(value);
}

function isIpcError(value: unknown): value is IpcError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return isErrorCode(candidate.code) && typeof candidate.message === 'string';
}

/**
 * Classifies anything a call may reject with. Only a well-formed `{ code, message }` keeps its code;
 * framework failures (a string from Tauri's IPC layer, such as a command refused by a capability,
 * or an exception when there is no backend at all) become `internal`.
 */
export function toIpcFailure(reason: unknown): IpcFailure {
  if (reason instanceof IpcFailure) return reason;
  if (isIpcError(reason)) return new IpcFailure(reason.code, reason.message);
  if (typeof reason === 'string') return new IpcFailure('internal', reason);
  if (reason instanceof Error) return new IpcFailure('internal', reason.message);
  return new IpcFailure('internal', String(reason));
}

/** What every generated command resolves to. */
type Outcome<T> = { status: 'ok'; data: T } | { status: 'error'; error: unknown };

async function call<T>(run: () => Promise<Outcome<T>>): Promise<T> {
  let result: Outcome<T>;
  try {
    result = await run();
  } catch (reason) {
    throw toIpcFailure(reason);
  }
  if (result.status === 'ok') return result.data;
  throw toIpcFailure(result.error);
}

// ---- Commands ---------------------------------------------------------------------------------

/** Version, data folder and store schema of the running app. */
export const appStatus = (): Promise<AppStatus> => call(() => commands.appStatus());

export const getSettings = (): Promise<Settings> => call(() => commands.getSettings());

/** Persists the language; resolves to the settings as stored. */
export const setLanguage = (language: Language): Promise<Settings> =>
  call(() => commands.setLanguage(language));

/** Registers or removes Verity from the system's login items; resolves to the stored settings. */
export const setStartAtLogin = (enabled: boolean): Promise<Settings> =>
  call(() => commands.setStartAtLogin(enabled));

/** Shows a desktop notification in the current language. */
export const sendTestNotification = (): Promise<null> =>
  call(() => commands.sendTestNotification());

/**
 * Checks a phone number, link or message against the local blocklist, the official directory and
 * the rules. With `kind` null the backend detects what the input is.
 */
export const check = (input: string, kind: CheckKind | null): Promise<CheckOutcome> =>
  call(() => commands.check(input, kind));

// ---- Events -----------------------------------------------------------------------------------

export type Unsubscribe = () => void;

/**
 * Calls `handler` whenever the settings change in the backend (from any window, the tray or
 * another process). Resolves to a function that stops listening.
 */
export async function onSettingsChanged(
  handler: (settings: Settings) => void,
): Promise<Unsubscribe> {
  try {
    const unlisten = await events.settingsChanged.listen((event) => handler(event.payload));
    return () => {
      unlisten();
    };
  } catch (reason) {
    throw toIpcFailure(reason);
  }
}
