import { describe, expect, it } from 'vitest';
import { LANGUAGES, applyLanguage } from '../i18n';
import { IpcFailure, TRIPWIRE_EVENT_KINDS } from '../ipc';
import { eventText, noteLength, reasonText, reportFailureText } from './words';

describe('tripwire words', () => {
  it('word both tripwire failure reasons in every language, and no other', () => {
    for (const { code } of LANGUAGES) {
      applyLanguage(code);
      for (const reason of ['tripwire_locked', 'no_such_event'] as const) {
        expect(reasonText(reason), `${code} ${reason}`).toBeTruthy();
        expect(reasonText(reason)).not.toMatch(/^tripwire\./);
      }
      expect(reasonText('root_pinned')).toBeUndefined();
      expect(reasonText('unknown')).toBeUndefined();
      expect(reasonText(null)).toBeUndefined();
    }
  });

  it('word every event kind in every language, with and without a tool name', () => {
    for (const { code } of LANGUAGES) {
      applyLanguage(code);
      for (const kind of TRIPWIRE_EVENT_KINDS) {
        for (const tool of ['ToDesk', null]) {
          const text = eventText({ id: 1, at: 0, kind, tool, reportedAt: null });
          expect(text, `${code} ${kind} ${tool}`).not.toMatch(/tripwire\.ui|\{tool\}/);
          if (tool && kind !== 'code') expect(text).toContain(tool);
        }
      }
    }
  });

  it('word a failed report by code and reason in every language', () => {
    const failures = [
      new IpcFailure('not_enrolled', 'x'),
      new IpcFailure('desk_unreachable', 'x'),
      new IpcFailure('invalid_input', 'x', 'report_note_invalid'),
      new IpcFailure('invalid_input', 'x', 'report_note_has_code'),
      new IpcFailure('invalid_input', 'x', 'no_such_event'),
      new IpcFailure('desk_refused', 'x', 'report_rate_limited'),
      new IpcFailure('desk_refused', 'x', 'device_revoked'),
    ];
    for (const { code } of LANGUAGES) {
      applyLanguage(code);
      const words = failures.map((f) => reportFailureText(f));
      for (const [i, w] of words.entries()) {
        expect(w, `${code} ${failures[i]?.code} ${failures[i]?.reason}`).toBeTruthy();
        expect(w).not.toMatch(/^(tripwire|device|error)\./);
      }
      expect(new Set(words).size).toBe(words.length);
      // Others keep their code's general words (ErrorNotice's own).
      expect(reportFailureText(new IpcFailure('store', 'x'))).toBeUndefined();
      expect(reportFailureText(new IpcFailure('invalid_input', 'x', 'unknown'))).toBeUndefined();
    }
  });

  it('count a note as the backend does, in characters rather than UTF-16 units', () => {
    expect(noteLength('')).toBe(0);
    expect(noteLength('來電')).toBe(2);
    expect(noteLength('😀a')).toBe(2);
  });
});
