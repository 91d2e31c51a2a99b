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
  CheckSource,
  DeskPreview,
  DeviceBinding_Serialize,
  DeviceCheck,
  DeviceChecks,
  DeviceEnrolled_Serialize,
  DeviceKeyStore,
  DeviceStatus_Serialize,
  DeviceUnbound_Serialize,
  EntryKind,
  ErrorCode,
  ErrorReason,
  FeedConfig_Serialize,
  FeedProgress_Serialize,
  FeedStatus_Serialize,
  Freshness_Serialize,
  HistoryEntry,
  IpcError,
  Language,
  LastDeviceCheck,
  Match_Serialize,
  Reason_Serialize,
  ReasonCode,
  PickedRoot,
  RootInfoView,
  Settings,
  SyncStage,
  ThreatItem_Serialize,
  ThreatList_Serialize,
  TotpSetup,
  TrustAnchor,
  TrustLogItem_Serialize,
  TrustLogWhat,
  TwoFactor,
  Verdict,
} from './bindings';

export type {
  AdviceCode,
  AppStatus,
  BlocklistState,
  Category,
  CheckKind,
  CheckSource,
  DeskPreview,
  DeviceCheck,
  DeviceChecks,
  DeviceKeyStore,
  EntryKind,
  ErrorCode,
  ErrorReason,
  HistoryEntry,
  IpcError,
  Language,
  LastDeviceCheck,
  ReasonCode,
  PickedRoot,
  RootInfoView,
  Settings,
  SyncStage,
  TotpSetup,
  TrustAnchor,
  TrustLogWhat,
  TwoFactor,
  Verdict,
};

/** The result of a check, as the backend sends it (`normalized`, `detail`… are always present). */
export type CheckOutcome = CheckOutcome_Serialize;
/** A reason code with its evidence, as the backend sends it. */
export type Reason = Reason_Serialize;
/** A blocklist entry that matched, as the backend sends it (`added` in Unix seconds). */
export type Match = Match_Serialize;
/** The list's freshness: version and age, failing since when and why, stale, not configured. */
export type Freshness = Freshness_Serialize;
/** The feed's freshness, sync in progress, next sync and unread threats. */
export type FeedStatus = FeedStatus_Serialize;
/** A sync's stage and bytes, sent while it runs. */
export type FeedProgress = FeedProgress_Serialize;
/** The feed settings: URL, proxy, trusted root, lock by the administrator, alert preferences. */
export type FeedConfig = FeedConfig_Serialize;
/** One change of the feed's address or trusted root (`at` in Unix seconds). */
export type TrustLogItem = TrustLogItem_Serialize;
/** A new threat on the Threats screen (`added` and `received` in Unix seconds). */
export type ThreatItem = ThreatItem_Serialize;
/** The new threats, newest first, with the unread count. */
export type ThreatList = ThreatList_Serialize;
/** Whether this device is bound, and to what. */
export type DeviceStatus = DeviceStatus_Serialize;
/** A bound device: organisation and key fingerprint, employee, certificate, 2FA, last check. */
export type DeviceBinding = DeviceBinding_Serialize;
/** What enrolment returned: the binding, the two-factor set-up (or why not), the region check. */
export type DeviceEnrolled = DeviceEnrolled_Serialize;
/** What unbinding did (whether the desk was told). */
export type DeviceUnbound = DeviceUnbound_Serialize;

/** Every code the backend may send, in the order the backend declares them. */
export const ERROR_CODES = [
  'invalid_input',
  'not_found',
  'store_busy',
  'store',
  'notification_unavailable',
  'autostart',
  'feed_not_configured',
  'feed_locked',
  'feed_failed',
  'feed_busy',
  'no_secure_store',
  'passphrase_needed',
  'wrong_passphrase',
  'key_store',
  'not_enrolled',
  'already_enrolled',
  'fingerprint_mismatch',
  'bad_desk_url',
  'desk_unreachable',
  'desk_refused',
  'internal',
] as const satisfies readonly ErrorCode[];

// Fails to compile when the backend adds a code that ERROR_CODES does not list.
type MissingCodes = Exclude<ErrorCode, (typeof ERROR_CODES)[number]>;
const everyCodeListed: [MissingCodes] extends [never] ? true : MissingCodes = true;
void everyCodeListed;

/**
 * Every finer reason the backend may send with an error (`unknown`: one this build does not know,
 * such as a newer desk's), in the order the backend declares them.
 */
export const ERROR_REASONS = [
  'too_long',
  'too_large',
  'exists',
  'cannot_write',
  'disk_full',
  'shortcut_invalid',
  'shortcut_refused',
  'root_unconfirmed',
  'root_pinned',
  'tripwire_locked',
  'no_such_event',
  'report_note_invalid',
  'report_rate_limited',
  'report_note_has_code',
  'nothing_to_report',
  'bad_date',
  'fingerprint_required',
  'answer_unsigned',
  'already_in_progress',
  'already_done',
  'evidence_for_other_step',
  'invalid_evidence',
  'not_done',
  'not_recurring',
  'not_due_yet',
  'not_started',
  'no_files',
  'scan_counts',
  'in_future',
  'empty_owner',
  'bad_owner',
  'next_drill_not_in_future',
  'bad_interval',
  'bad_drill',
  'no_questions',
  'score_above_total',
  'passed_mismatch',
  'empty',
  'binary',
  'encoding',
  'truncated',
  'malformed',
  'unsupported',
  'too_many_entries',
  'spreadsheet_too_large',
  'spreadsheet',
  'blocklist_unavailable',
  'clean_copy_unsupported',
  'bad_request',
  'timeout',
  'not_found',
  'internal',
  'timestamp_stale',
  'nonce_replayed',
  'signature_invalid',
  'certificate_invalid',
  'certificate_expired',
  'device_unknown',
  'device_revoked',
  'device_exists',
  'enroll_code_invalid',
  'enroll_code_used',
  'enroll_code_expired',
  'enroll_rate_limited',
  'totp_not_set_up',
  'totp_already_set_up',
  'totp_invalid',
  'totp_reused',
  'totp_locked',
  'region_address',
  'region_timezone',
  'region_locale',
  'session_unknown',
  'session_closed',
  'session_open',
  'forbidden',
  'already_taken',
  'at_capacity',
  'frame_invalid',
  'rate_limited',
  'agent_revoked',
  'no_route',
  'origin_refused',
  'no_audit_key',
  'peer_unverified',
  'code_commitment_broken',
  'code_mismatch',
  'channel_broken',
  'drill_unknown',
  'drill_outcome_invalid',
  'unknown',
] as const satisfies readonly ErrorReason[];

// Fails to compile when the backend adds a reason that ERROR_REASONS does not list.
type MissingReasons = Exclude<ErrorReason, (typeof ERROR_REASONS)[number]>;
const everyReasonListed: [MissingReasons] extends [never] ? true : MissingReasons = true;
void everyReasonListed;

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
  /** A finer code for some failures (the checklist's, the scanner's, the desk's…), or null. */
  readonly reason: ErrorReason | null;

  constructor(code: ErrorCode, message: string, reason: ErrorReason | null = null) {
    super(message);
    this.code = code;
    this.reason = reason;
  }
}

function isErrorCode(value: unknown): value is ErrorCode {
  return (ERROR_CODES as readonly unknown[]).includes(value);
}

/** A reason from the backend; anything else it might send (it should not) is `unknown`. */
function toErrorReason(value: unknown): ErrorReason | null {
  if (value === undefined || value === null) return null;
  return (ERROR_REASONS as readonly unknown[]).includes(value) ? (value as ErrorReason) : 'unknown';
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
  if (isIpcError(reason)) {
    return new IpcFailure(reason.code, reason.message, toErrorReason(reason.reason));
  }
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

/** Sets how numbers written without a country code are read (ISO 3166 code, e.g. `HK`). */
export const setRegion = (region: string): Promise<Settings> =>
  call(() => commands.setRegion(region));

/** Sets the global "Check clipboard" shortcut; empty turns it off. */
export const setCheckShortcut = (shortcut: string): Promise<Settings> =>
  call(() => commands.setCheckShortcut(shortcut));

/**
 * The saved shortcut when the desktop refused it as Verity started (another program holds those
 * keys), or null when it is in force.
 */
export const refusedShortcut = (): Promise<string | null> =>
  call(() => commands.shortcutStatus()).then((s) => s.refused ?? null);

/** Shows a desktop notification in the current language. */
export const sendTestNotification = (): Promise<null> =>
  call(() => commands.sendTestNotification());

/**
 * Checks a phone number, link or message against the local blocklist, the official directory and
 * the rules. With `kind` null the backend detects what the input is. The check goes into the
 * history of recent checks unless `remember` is false (a check run again from that history).
 */
export const check = (
  input: string,
  kind: CheckKind | null,
  remember = true,
): Promise<CheckOutcome> => call(() => commands.check(input, kind, remember));

/** The recent checks kept on this computer, newest first (normalised items only, never the text). */
export const checkHistory = (): Promise<HistoryEntry[]> => call(() => commands.checkHistory());

/** Deletes the history of recent checks for good; resolves to how many were removed. */
export const clearCheckHistory = (): Promise<number> => call(() => commands.clearCheckHistory());

// ---- Checklist (issue 5) ---------------------------------------------------------------------

import type {
  ChecklistStatus_Serialize,
  CleanCopies_Serialize,
  ExportedReport_Serialize,
  FileInput,
  FileOutcome_Serialize,
  FileScan_Serialize,
  Finding_Serialize,
  ReportFormat,
  ScanResult_Serialize,
  StepId,
  StepState_Serialize,
  StepStatus,
  StepView_Serialize,
} from './bindings';

export type { FileInput, ReportFormat, StepId, StepStatus };
/** The checklist as the backend sends it. */
export type ChecklistStatus = ChecklistStatus_Serialize;
/** One step as the backend sends it (`StepState` with its evidence in words). */
export type StepView = StepView_Serialize;
/** A step's state (times in Unix seconds). */
export type StepState = StepState_Serialize;
/** What a scan found. */
export type ScanResult = ScanResult_Serialize;
export type FileOutcome = FileOutcome_Serialize;
export type FileScan = FileScan_Serialize;
export type Finding = Finding_Serialize;
/** Cleaned copies written. */
export type CleanCopies = CleanCopies_Serialize;
/** A report written, with its content. */
export type ExportedReport = ExportedReport_Serialize;

/** The five steps, progress and the next drill (steps past their interval fall due first). */
export const checklistStatus = (): Promise<ChecklistStatus> =>
  call(() => commands.checklistStatus());

/** Scans contact files read in the web view; records step 1's counts. */
export const scanFiles = (files: FileInput[]): Promise<ScanResult> =>
  call(() => commands.scanFiles(files));

/** Writes cleaned copies of the files without their flagged entries; records step 1. */
export const saveCleanCopies = (files: FileInput[]): Promise<CleanCopies> =>
  call(() => commands.saveCleanCopies(files));

/** Records that the user understood the one official support path (step 2). */
export const acknowledgeOfficialPath = (): Promise<StepState> =>
  call(() => commands.acknowledgeOfficialPath());

/** Records that the user saw the test alert (step 3), turning on start-at-login if asked. */
export const confirmTestAlert = (startAtLogin: boolean): Promise<StepState> =>
  call(() => commands.confirmTestAlert(startAtLogin));

/** Records the drill owner and schedule (step 4); `nextDrill` as `YYYY-MM-DD` or null. */
export const setDrillOwner = (
  name: string,
  everyMonths: number | null,
  nextDrill: string | null,
): Promise<StepState> => call(() => commands.setDrillOwner(name, everyMonths, nextDrill));

/** Records the training quiz's result (step 5). */
export const recordQuiz = (score: number, total: number): Promise<StepState> =>
  call(() => commands.recordQuiz(score, total));

/** Turns the checklist's daily reminder on or off; resolves to the notification preferences. */
export const setChecklistReminders = (enabled: boolean): Promise<FeedConfig> =>
  call(() => commands.setChecklistReminders(enabled));

/**
 * Asks where to save the manager's report (the desktop's Save dialog, opened by the backend) and
 * writes it there; resolves to its path and content, or null when the user cancelled.
 */
export const exportReport = (format: ReportFormat): Promise<ExportedReport | null> =>
  call(() => commands.exportReport(format));

// ---- Device binding (issue 6) -------------------------------------------------------------------

/** The shortest passphrase the backend accepts for a new device key file. */
export const MIN_PASSPHRASE_CHARS = 8;

/** How to enrol: the fingerprint IT announced, where the key goes, an extra CA for the desk. */
export type EnrollOptions = {
  /**
   * The organisation key fingerprint the user typed from IT's announcement (required: the
   * backend refuses without it); a desk with another key is refused before the code is sent.
   */
  fingerprint: string | null;
  /** `os` (the system's secure store) unless the user opted for the passphrase file. */
  keyStore: DeviceKeyStore;
  /** The key file's passphrase (never stored); null for the OS store. */
  passphrase: string | null;
  /** A CA certificate (PEM) for a desk with a private certificate authority. */
  deskCa: string | null;
};

/** Whether this device is bound, read locally (the same `device.json` as `verityctl device`). */
export const deviceStatus = (): Promise<DeviceStatus> => call(() => commands.deviceStatus());

/** Binds this device with the desk address and IT's one-time code, then sets up two-factor. */
/**
 * Who the desk at `target` (an address, or IT's `verity://enroll` link) says it is: its address,
 * the organisation's name, the fingerprint of the key that signed its fresh answer. Nothing else
 * is sent; nothing is kept.
 */
export const devicePreview = (target: string, deskCa: string | null): Promise<DeskPreview> =>
  call(() => commands.devicePreview(target, deskCa));

export const deviceEnroll = (
  deskUrl: string,
  code: string,
  options: EnrollOptions,
): Promise<DeviceEnrolled> =>
  call(() =>
    commands.deviceEnroll(
      deskUrl,
      code,
      options.fingerprint,
      options.keyStore,
      options.passphrase,
      options.deskCa,
    ),
  );

/** Binds this device with a `verity://enroll?…` link; a typed fingerprint overrides the link's. */
export const deviceEnrollLink = (link: string, options: EnrollOptions): Promise<DeviceEnrolled> =>
  call(() =>
    commands.deviceEnrollLink(
      link,
      options.fingerprint,
      options.keyStore,
      options.passphrase,
      options.deskCa,
    ),
  );

/** Shows the two-factor set-up again (until a code has been accepted). */
export const deviceTotpSetup = (passphrase: string | null): Promise<TotpSetup> =>
  call(() => commands.deviceTotpSetup(passphrase));

/** "Verify my device now": the three checks with the authenticator's current code. */
export const deviceVerify = (totp: string, passphrase: string | null): Promise<DeviceChecks> =>
  call(() => commands.deviceVerify(totp, passphrase));

/** Unbinds: the desk revokes the device, then its key and state are removed here. */
export const deviceUnbind = (
  passphrase: string | null,
  localOnly = false,
): Promise<DeviceUnbound> => call(() => commands.deviceUnbind(passphrase, localOnly));

// ---- Threat feed (issue 4) ----------------------------------------------------------------------

/** The feed's freshness, sync progress, next automatic sync and unread threats. */
export const feedStatus = (): Promise<FeedStatus> => call(() => commands.feedStatus());

/** Syncs the feed now; progress arrives through {@link onFeedProgress}. */
export const syncNow = (): Promise<FeedStatus> => call(() => commands.syncNow());

/** The feed settings (locked when the administrator's provisioning file sets them). */
export const feedConfig = (): Promise<FeedConfig> => call(() => commands.feedConfig());

/** Sets the feed URL (empty: none) and proxy (empty: the system's). */
export const setFeedSource = (url: string, proxy: string): Promise<FeedConfig> =>
  call(() => commands.setFeedSource(url, proxy));

/** What pasted `root.json` text says of itself (version, fingerprint); nothing is changed. */
export const previewFeedRoot = (json: string): Promise<RootInfoView> =>
  call(() => commands.previewFeedRoot(json));

/**
 * Sets the trusted root from `root.json` text once the user confirmed it: `fingerprint` is the
 * one the confirmation showed (the backend refuses another).
 */
export const setFeedRoot = (json: string, fingerprint: string): Promise<FeedConfig> =>
  call(() => commands.setFeedRoot(json, fingerprint));

/** Opens the system's Open dialog (from the backend) for a `root.json`; null: cancelled. */
export const pickFeedRoot = (): Promise<PickedRoot | null> => call(() => commands.pickFeedRoot());

/** The feed's trust log: changes of address or root, newest first. */
export const feedTrustLog = (): Promise<TrustLogItem[]> => call(() => commands.feedTrustLog());

/** Sets the alert preferences: notify about new threats, quietly or not. */
export const setFeedAlerts = (alerts: boolean, quiet: boolean): Promise<FeedConfig> =>
  call(() => commands.setFeedAlerts(alerts, quiet));

/** The new threats, newest first, with the unread count. */
export const listThreats = (): Promise<ThreatList> => call(() => commands.listThreats());

/** Marks threats read up to the id `upTo` (all when null); resolves to the unread count left. */
export const markThreatsRead = (upTo: number | null): Promise<number> =>
  call(() => commands.markThreatsRead(upTo));

// ---- Events -----------------------------------------------------------------------------------

export type Unsubscribe = () => void;

/**
 * Calls `handler` whenever the settings change in the backend (from any window, the tray or
 * another process). Resolves to a function that stops listening.
 */
export const onSettingsChanged = (handler: (settings: Settings) => void): Promise<Unsubscribe> =>
  listen<Settings>((h) => events.settingsChanged.listen(h), handler);

/**
 * Keeps a subscription that is still being made: the function returned stops it, also when
 * called before it was made (a screen left at once). When it cannot be made, `onError` hears
 * why (without it the caller simply gets no live updates).
 */
export function follow(
  subscription: Promise<Unsubscribe>,
  onError?: (failure: IpcFailure) => void,
): Unsubscribe {
  let stop: Unsubscribe | null = null;
  let stopped = false;
  subscription
    .then((unsubscribe) => {
      if (stopped) unsubscribe();
      else stop = unsubscribe;
    })
    .catch((reason: unknown) => onError?.(toIpcFailure(reason)));
  return () => {
    stopped = true;
    stop?.();
  };
}

async function listen<T>(
  subscribe: (handler: (event: { payload: T }) => void) => Promise<() => void>,
  handler: (payload: T) => void,
): Promise<Unsubscribe> {
  try {
    const unlisten = await subscribe((event) => handler(event.payload));
    return () => {
      unlisten();
    };
  } catch (reason) {
    throw toIpcFailure(reason);
  }
}

/** Calls `handler` whenever the feed's status changes (a sync ended, settings, threats read). */
export const onFeedChanged = (handler: (status: FeedStatus) => void): Promise<Unsubscribe> =>
  listen<FeedStatus>((h) => events.feedChanged.listen(h), handler);

/** Calls `handler` with each progress report of a running sync. */
export const onFeedProgress = (handler: (progress: FeedProgress) => void): Promise<Unsubscribe> =>
  listen<FeedProgress>((h) => events.feedProgress.listen(h), handler);

/** Calls `handler` when the backend asks to show the Threats screen (alert or tray clicked). */
export const onOpenThreats = (handler: () => void): Promise<Unsubscribe> =>
  listen<null>(
    (h) => events.openThreats.listen(h),
    () => handler(),
  );

/** Calls `handler` when the backend asks to show the Checklist screen (the reminder clicked). */
export const onOpenChecklist = (handler: () => void): Promise<Unsubscribe> =>
  listen<null>(
    (h) => events.openChecklist.listen(h),
    () => handler(),
  );

/**
 * Calls `handler` when a check made outside the Check screen (the clipboard, from the tray or
 * the shortcut) may have joined the history of recent checks.
 */
export const onHistoryChanged = (handler: () => void): Promise<Unsubscribe> =>
  listen<null>(
    (h) => events.historyChanged.listen(h),
    () => handler(),
  );

// ---- Tripwires (issue 16) -----------------------------------------------------------------------

import type {
  EventKind as TripwireEventKindGenerated,
  TripwireEventView_Serialize,
  TripwireStatus_Serialize,
} from './bindings';

/** What a tripwire caught: a remote-access program running, its installer downloaded, a code copied. */
export type TripwireEventKind = TripwireEventKindGenerated;
/**
 * The tripwires' state: each one on or off, whether the code guard was offered, the
 * organisation's lock and tools in use, events in the last 30 days, the Downloads folder watched.
 */
export type TripwireStatus = TripwireStatus_Serialize;
/** One event, as the Threats screen lists it (`at` and `reportedAt` in Unix seconds). */
export type TripwireEvent = TripwireEventView_Serialize;

/** Every event kind, in the order the backend declares them. */
export const TRIPWIRE_EVENT_KINDS = [
  'remote_tool',
  'installer',
  'code',
] as const satisfies readonly TripwireEventKind[];

// Fails to compile when the backend adds an event kind that the list above lacks.
const everyEventKindListed: [
  Exclude<TripwireEventKind, (typeof TRIPWIRE_EVENT_KINDS)[number]>,
] extends [never]
  ? true
  : never = true;
void everyEventKindListed;

/** The tripwires' state. */
export const tripwireStatus = (): Promise<TripwireStatus> => call(() => commands.tripwireStatus());

/**
 * Turns the remote-access tripwire on or off; refused (`invalid_input`, reason `tripwire_locked`)
 * when the organisation locked it on. Turning it off raises a desktop notification (Rust).
 */
export const setRemoteTripwire = (enabled: boolean): Promise<TripwireStatus> =>
  call(() => commands.setRemoteTripwire(enabled));

/** Turns the one-time-code guard on or off (either answer records that it was offered). */
export const setCodeGuard = (enabled: boolean): Promise<TripwireStatus> =>
  call(() => commands.setCodeGuard(enabled));

/** "Not now" to the code guard's offer: it is not offered again (Settings keeps it). */
export const declineCodeGuard = (): Promise<TripwireStatus> =>
  call(() => commands.declineCodeGuard());

/** The tripwires' events, newest first (at most 100). */
export const tripwireEvents = (): Promise<TripwireEvent[]> => call(() => commands.tripwireEvents());

/**
 * Sends event `id` to IT as the enrolled device's signed report (which tool it was and the
 * employee's `note`, never anything the clipboard held) and returns the event marked sent.
 * `passphrase` opens a device key kept in a passphrase file (`null` otherwise; never stored).
 * Fails with `not_enrolled`; `passphrase_needed` / `wrong_passphrase`; `invalid_input` (reason
 * `report_note_invalid` or `no_such_event`); `desk_refused` (`report_rate_limited`,
 * `device_revoked`…); `desk_unreachable`.
 */
export const reportTripwire = (
  id: number,
  note: string,
  passphrase: string | null,
): Promise<TripwireEvent> => call(() => commands.reportTripwire(id, note, passphrase));

/** Calls `handler` when a tripwire recorded an event (counts and lists reload). */
export const onTripwireRaised = (handler: () => void): Promise<Unsubscribe> =>
  listen<null>(
    (h) => events.tripwireRaised.listen(h),
    () => handler(),
  );

/** Calls `handler` when the backend asks to show the Support screen (a tripwire alert clicked). */
export const onOpenSupport = (handler: () => void): Promise<Unsubscribe> =>
  listen<null>(
    (h) => events.openSupport.listen(h),
    () => handler(),
  );

// ---- Reports to IT --------------------------------------------------------------------------------

import type { ItReportList_Serialize, ItReportView_Serialize, ReportState } from './bindings';

export type { ReportState };
/**
 * A report this device sent to IT, as the Threats screen lists it (`sentAt`, `resolvedAt`,
 * `checkedAt` in Unix seconds). `kind` is the backend's code (`check`, `threat`,
 * `tripwire_remote_tool`, `tripwire_code_guard`); `item` is hostile input: show it as text only.
 */
export type ItReport = ItReportView_Serialize;
/** The reports sent, newest first, and how many outcomes (confirmed or rejected) are unseen. */
export type ItReportList = ItReportList_Serialize;

/** Every state of IT's triage, in the order the backend declares them. */
export const REPORT_STATES = [
  'new',
  'confirmed',
  'rejected',
] as const satisfies readonly ReportState[];

// Fails to compile when the backend adds a state that the list above lacks.
const everyReportStateListed: [Exclude<ReportState, (typeof REPORT_STATES)[number]>] extends [never]
  ? true
  : never = true;
void everyReportStateListed;

/**
 * Reports a check of `input` (read as `kind`, `null`: detected) to IT with the employee's `note`;
 * the backend checks it again and sends the normalised number or link and the verdict's codes,
 * never the text as typed. `passphrase` opens a device key kept in a passphrase file. Fails with
 * `not_enrolled`; `passphrase_needed` / `wrong_passphrase`; `invalid_input` (reason
 * `nothing_to_report`, `report_note_invalid`, `report_note_has_code`, `too_long`);
 * `desk_refused` (`report_rate_limited`…); `desk_unreachable`.
 */
export const reportCheck = (
  input: string,
  kind: CheckKind | null,
  note: string,
  passphrase: string | null,
): Promise<ItReport> => call(() => commands.reportCheck(input, kind, note, passphrase));

/**
 * Disputes the verdict of a check of `input` with IT ("this is our real supplier"): an appeal
 * naming the number or link, the note saying why (required); errors as {@link reportCheck}.
 */
export const disputeCheck = (
  input: string,
  kind: CheckKind | null,
  note: string,
  passphrase: string | null,
): Promise<ItReport> => call(() => commands.disputeCheck(input, kind, note, passphrase));

/** Reports Threats entry `id` to IT ("I met this one"); errors as {@link reportCheck}. */
export const reportThreat = (
  id: number,
  note: string,
  passphrase: string | null,
): Promise<ItReport> => call(() => commands.reportThreat(id, note, passphrase));

/** The reports this device sent to IT, newest first, as last heard from the desk. */
export const itReports = (): Promise<ItReportList> => call(() => commands.itReports());

/**
 * Asks the desk where this device's open reports stand and resolves to the list. Fails with
 * `not_enrolled`, `passphrase_needed` / `wrong_passphrase`, `desk_refused`, `desk_unreachable`.
 */
export const refreshItReports = (passphrase: string | null): Promise<ItReportList> =>
  call(() => commands.refreshItReports(passphrase));

/** Marks every outcome seen (the list was shown); resolves to how many were unseen. */
export const markItReportsSeen = (): Promise<number> => call(() => commands.markItReportsSeen());

// ---- Verified support sessions (issue 13) -------------------------------------------------------

import type {
  AgentCard,
  AgentDeskView_Serialize,
  AgentEnrolled,
  AgentRoleCode,
  AgentSessionView_Serialize,
  CallView_Serialize,
  CannotCheckReason,
  ChatMessage_Serialize,
  Delivery,
  EmployeeCard,
  GuardCue,
  LiveState,
  LiveStatus_Serialize,
  MessageFrom,
  OfferView,
  SessionOutcome,
  SessionPhase,
  SessionView_Serialize,
  SupportCategory,
} from './bindings';

export type {
  AgentCard,
  AgentEnrolled,
  AgentRoleCode,
  CannotCheckReason,
  Delivery,
  EmployeeCard,
  GuardCue,
  LiveState,
  MessageFrom,
  OfferView,
  SessionOutcome,
  SessionPhase,
  SupportCategory,
};
/** The organisation's signed live status, for Home (`checkedAt` in Unix seconds). */
export type LiveStatus = LiveStatus_Serialize;
/** The employee's session as the Support screen shows it. */
export type SessionView = SessionView_Serialize;
/** One chat message (`at` in Unix seconds, the sender's clock). */
export type ChatMessage = ChatMessage_Serialize;
/** A phone call the agent started, and its spoken code. */
export type CallView = CallView_Serialize;
/** The agent's workplace. */
export type AgentDeskView = AgentDeskView_Serialize;
/** One of the agent's sessions. */
export type AgentSessionView = AgentSessionView_Serialize;

/** The categories an employee picks from, in the order the Support screen lists them. */
export const SUPPORT_CATEGORIES = [
  'account',
  'login',
  'billing',
  'security',
  'other',
] as const satisfies readonly SupportCategory[];

/** How an agent may close a session, in the order the Agent screen lists them. */
export const SESSION_OUTCOMES = [
  'resolved',
  'escalated',
  'abandoned',
  'suspicious',
  'expired',
] as const satisfies readonly SessionOutcome[];

/** What a message may ask for that real support never needs. */
export const GUARD_CUES = [
  'asks_for_code',
  'asks_for_password',
  'asks_for_payment',
  'asks_for_remote_access',
] as const satisfies readonly GuardCue[];

// Fail to compile when the backend adds a category, an outcome or a cue that the lists lack.
const everyCategoryListed: [Exclude<SupportCategory, (typeof SUPPORT_CATEGORIES)[number]>] extends [
  never,
]
  ? true
  : never = true;
const everyOutcomeListed: [Exclude<SessionOutcome, (typeof SESSION_OUTCOMES)[number]>] extends [
  never,
]
  ? true
  : never = true;
const everyCueListed: [Exclude<GuardCue, (typeof GUARD_CUES)[number]>] extends [never]
  ? true
  : never = true;
void everyCategoryListed;
void everyOutcomeListed;
void everyCueListed;

/** The longest chat message (characters), as the desk and both apps enforce it. */
export const MAX_MESSAGE_CHARS = 4000;

/** The organisation's signed live status: is support really talking to me? */
export const supportStatus = (): Promise<LiveStatus> => call(() => commands.supportStatus());

/**
 * Opens a verified session: proves the device, checks the TOTP code; the desk checks the region
 * and routes it. `passphrase` opens a device key kept in a passphrase file (`null` otherwise).
 */
export const supportOpen = (
  category: SupportCategory,
  message: string,
  totp: string,
  passphrase: string | null,
): Promise<SessionView> => call(() => commands.supportOpen(category, message, totp, passphrase));

/** The current (or last) session, or null. */
export const supportSession = (): Promise<SessionView | null> =>
  call(() => commands.supportSession());

/** Sends a message in the current session. */
export const supportSend = (text: string): Promise<SessionView> =>
  call(() => commands.supportSend(text));

/** Tells the agent the employee is typing. */
export const supportTyping = (): Promise<null> => call(() => commands.supportTyping());

/** The answer to "did the caller say exactly this code?" (a mismatch alerts IT). */
export const supportAnswerCode = (callId: string, matched: boolean): Promise<SessionView> =>
  call(() => commands.supportAnswerCode(callId, matched));

/** Closes the current session. */
export const supportClose = (): Promise<SessionView> => call(() => commands.supportClose());

/** The agent's workplace; null when this app is not an agent's. */
export const agentDesk = (): Promise<AgentDeskView | null> => call(() => commands.agentDesk());

/** Online (taking sessions) or away. */
export const agentSetOnline = (
  online: boolean,
  passphrase: string | null,
): Promise<AgentDeskView> => call(() => commands.agentSetOnline(online, passphrase));

/** Accepts an offer (of two agents accepting at once, exactly one gets it: `already_taken`). */
export const agentAccept = (sessionId: string): Promise<AgentDeskView> =>
  call(() => commands.agentAccept(sessionId));

/** Lets an offer go to the next agent. */
export const agentDecline = (sessionId: string): Promise<AgentDeskView> =>
  call(() => commands.agentDecline(sessionId));

/** Sends a message in one of the agent's sessions. */
export const agentSend = (sessionId: string, text: string): Promise<AgentDeskView> =>
  call(() => commands.agentSend(sessionId, text));

/** Tells the employee the agent is typing. */
export const agentTyping = (sessionId: string): Promise<null> =>
  call(() => commands.agentTyping(sessionId));

/** Sends a session back to the queue for another team. */
export const agentTransfer = (sessionId: string, team: string): Promise<AgentDeskView> =>
  call(() => commands.agentTransfer(sessionId, team));

/** Starts a phone call: both apps derive the spoken code (commit, then reveal). */
export const agentStartCall = (sessionId: string): Promise<AgentDeskView> =>
  call(() => commands.agentStartCall(sessionId));

/** Closes a session with its outcome and a summary for the employee. */
export const agentClose = (
  sessionId: string,
  outcome: SessionOutcome,
  summary: string | null,
): Promise<AgentDeskView> => call(() => commands.agentClose(sessionId, outcome, summary));

/**
 * Enrols this app as a support agent's with an agent's one-time code, with the same
 * confirmation of the organisation key's fingerprint as an employee's enrolment.
 */
export const deviceEnrollAgent = (
  deskUrl: string,
  code: string,
  options: EnrollOptions,
): Promise<AgentEnrolled> =>
  call(() =>
    commands.deviceEnrollAgent(
      deskUrl,
      code,
      options.fingerprint,
      options.keyStore,
      options.passphrase,
      options.deskCa,
    ),
  );

/** Calls `handler` when the employee's support view changed (reload it). */
export const onSupportChanged = (handler: () => void): Promise<Unsubscribe> =>
  listen<null>(
    (h) => events.supportChanged.listen(h),
    () => handler(),
  );

/** Calls `handler` when the agent's workplace changed (reload it). */
export const onAgentChanged = (handler: () => void): Promise<Unsubscribe> =>
  listen<null>(
    (h) => events.agentChanged.listen(h),
    () => handler(),
  );

// ---- Scam drills (issue 15) ---------------------------------------------------------------------

import { listen as listenToEvent } from '@tauri-apps/api/event';
import type {
  DrillChannel as DrillChannelGenerated,
  DrillAct,
  DrillChatFrom,
  DrillChatLine,
  DrillOutcomeKind,
  DrillState,
  DrillView_Serialize,
  OutcomeHow,
  Scenario as DrillScenarioGenerated,
} from './bindings';

export type { DrillAct, DrillChatFrom, DrillChatLine, DrillOutcomeKind, DrillState, OutcomeHow };
/** A drill's script (`support_code`, `remote_access`, `paid_upgrade`, `freeze_threat`). */
export type DrillScenario = DrillScenarioGenerated;
/** How a lure reaches the employee: a `notification`, or a `support_chat` request. */
export type DrillChannel = DrillChannelGenerated;
/**
 * One drill lure as the employee sees it (`shownAt`, `expiresAt`, `actedAt` in Unix seconds).
 * `sender`, `body`, `number`, `link` and the chat's lines are the lure's words, in the app's
 * language: show them as text only.
 */
export type DrillView = DrillView_Serialize;

/** Every scenario, in the order the backend declares them. */
export const DRILL_SCENARIOS = [
  'support_code',
  'remote_access',
  'paid_upgrade',
  'freeze_threat',
] as const satisfies readonly DrillScenario[];

/** Every way an outcome comes about, in the order the backend declares them. */
export const OUTCOME_HOWS = [
  'shown',
  'report_to_it',
  'check',
  'opened_link',
  'typed_code',
  'dismissed',
  'expired',
] as const satisfies readonly OutcomeHow[];

/** Every final outcome, in the order the backend declares them. */
export const DRILL_OUTCOMES = [
  'reported',
  'engaged',
  'ignored',
] as const satisfies readonly DrillOutcomeKind[];

// Fail to compile when the backend adds a scenario, a way or an outcome that the lists lack.
const everyScenarioListed: [Exclude<DrillScenario, (typeof DRILL_SCENARIOS)[number]>] extends [
  never,
]
  ? true
  : never = true;
const everyHowListed: [Exclude<OutcomeHow, (typeof OUTCOME_HOWS)[number]>] extends [never]
  ? true
  : never = true;
const everyDrillOutcomeListed: [
  Exclude<DrillOutcomeKind, (typeof DRILL_OUTCOMES)[number]>,
] extends [never]
  ? true
  : never = true;
void everyScenarioListed;
void everyHowListed;
void everyDrillOutcomeListed;

/** The longest message the fake chat takes (characters), as the backend enforces it. */
export const MAX_DRILL_CHAT_CHARS = 2000;

/** The employee's own drills (lures that were shown), newest first. */
export const drillList = (): Promise<DrillView[]> => call(() => commands.drillList());

/** One of the employee's drills; `not_found` for an unknown id. */
export const drillGet = (drillId: string): Promise<DrillView> =>
  call(() => commands.drillGet(drillId));

/**
 * The employee acted on a lure (Report to IT, opened its link, dismissed or declined it). The
 * first act decides; a later one resolves to the view unchanged. Opening the link never opens a
 * browser.
 */
export const drillAct = (drillId: string, act: DrillAct): Promise<DrillView> =>
  call(() => commands.drillAct(drillId, act));

/**
 * Sends `text` into a `support_chat` lure's fake chat: a code (4–8 digits) records `engaged`;
 * otherwise the fake agent's next line follows.
 */
export const drillChatSend = (drillId: string, text: string): Promise<DrillView> =>
  call(() => commands.drillChatSend(drillId, text));

/** Calls `handler` when the employee's drills changed (reload them). */
export const onDrillChanged = (handler: () => void): Promise<Unsubscribe> =>
  listen<null>(
    (h) => events.drillChanged.listen(h),
    () => handler(),
  );

/** Calls `handler` with a drill's id when the backend asks to show its reveal now. */
export const onDrillRevealed = (handler: (drillId: string) => void): Promise<Unsubscribe> =>
  listen<{ drillId: string }>(
    (h) => events.drillRevealed.listen(h),
    (payload) => handler(payload.drillId),
  );

/**
 * Calls `handler` with a drill's id when the backend asks to open its lure (the notification was
 * clicked). `open-drill` is a plain event whose payload is the id.
 */
export const onOpenDrill = (handler: (drillId: string) => void): Promise<Unsubscribe> =>
  listen<unknown>(
    (h) => listenToEvent<unknown>('open-drill', h),
    (payload) => {
      if (typeof payload === 'string' && payload !== '') handler(payload);
    },
  );
