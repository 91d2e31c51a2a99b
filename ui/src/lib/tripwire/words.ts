/**
 * Words for the tripwires (the "warning signs"): an event as the Threats screen lists it, the
 * count Home shows, and the failures the tripwire commands may give. Strings live in
 * `locales/<lang>/tripwire.json` under `tripwire.ui.*` (the other keys there are the Rust side's
 * notifications).
 */
import { plural } from '../feed/words';
import { lookup, t } from '../i18n';
import type { ErrorReason, TripwireEvent } from '../ipc';

/** What an event was: "AnyDesk was running", "AnyDesk installer downloaded", "A one-time code…". */
export function eventText(event: TripwireEvent): string {
  switch (event.kind) {
    case 'remote_tool':
      return event.tool
        ? t('tripwire.ui.event.remote_tool', { tool: event.tool })
        : t('tripwire.ui.event.remote_tool.unnamed');
    case 'installer':
      return event.tool
        ? t('tripwire.ui.event.installer', { tool: event.tool })
        : t('tripwire.ui.event.installer.unnamed');
    case 'code':
      return t('tripwire.ui.event.code');
  }
}

/** Home's line: how many events in the last 30 days (a sentence of its own for none). */
export function recentText(recent: number): string {
  return recent === 0 ? t('tripwire.ui.home.none') : plural('tripwire.ui.home.count', recent);
}

/** Words for a tripwire command's failure `reason`, when there are some. */
export function reasonText(reason: ErrorReason | null): string | undefined {
  if (!reason || reason === 'unknown') return undefined;
  return lookup(`tripwire.ui.error.${reason}`);
}

// The "Report to IT" form's words are shared with the Check and Threats screens.
export { REPORT_NOTE_MAX, noteLength, reportFailureText } from '../report/words';
