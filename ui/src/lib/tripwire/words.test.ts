import { describe, expect, it } from 'vitest';
import { LANGUAGES, applyLanguage } from '../i18n';
import { TRIPWIRE_EVENT_KINDS } from '../ipc';
import { eventText, reasonText } from './words';

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
});
