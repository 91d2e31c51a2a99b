import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { applyLanguage } from '../i18n';
import type { Language, OutcomeHow } from '../ipc';
import { OUTCOME_HOWS } from '../ipc';
import { drillFixtures } from '../ipc/drill-testing';
import DrillReveal from './DrillReveal.svelte';

const { decided, notificationDrill, SHOWN } = drillFixtures;

/** What the reveal says the employee did, typed here (not read from the catalogue). */
const DID: Record<Exclude<OutcomeHow, 'shown'>, { did: string; verdict: RegExp }> = {
  report_to_it: { did: 'You reported it to IT.', verdict: /Exactly right/ },
  check: { did: 'You checked its number or link with Verity.', verdict: /Exactly right/ },
  opened_link: { did: 'You opened its link.', verdict: /A real scammer could now be inside/ },
  typed_code: {
    did: 'You typed a code into the chat.',
    verdict: /A real scammer could now be inside/,
  },
  dismissed: { did: 'You dismissed it.', verdict: /That kept you safe/ },
  expired: { did: 'You did not answer in time.', verdict: /That kept you safe/ },
};

const LESSON: Record<Language, string> = {
  en: 'DingTalk support is only inside the DingTalk app (My → Help & Feedback → Contact Support). Real support never asks for verification codes, remote access or payment.',
  'zh-HK':
    '釘釘客服只在釘釘 App 內（我的 → 幫助與反饋 → 聯絡客服）。真正的客服絕不會索取驗證碼、要求遙距控制或要求付款。',
  'zh-CN':
    '钉钉客服只在钉钉 App 内（我的 → 帮助与反馈 → 联系客服）。真正的客服绝不会索要验证码、要求远程控制或要求付款。',
  ar: 'دعم DingTalk موجود داخل تطبيق DingTalk فقط (حسابي ← المساعدة والملاحظات ← التواصل مع الدعم). الدعم الحقيقي لا يطلب أبدًا رموز التحقق أو الوصول عن بُعد أو الدفع.',
};

const TITLE: Record<Language, string> = {
  en: 'This was a drill by your organisation',
  'zh-HK': '這是你的機構安排的演習',
  'zh-CN': '这是你的组织安排的演练',
  ar: 'كان هذا تمرينًا من مؤسستك',
};

function renderReveal(how: OutcomeHow, at = SHOWN + 600) {
  const onclose = vi.fn();
  const onofficial = vi.fn();
  render(DrillReveal, { drill: decided(notificationDrill(), how, at), onclose, onofficial });
  return { onclose, onofficial };
}

describe('DrillReveal', () => {
  it.each(OUTCOME_HOWS.filter((h) => h !== 'shown'))('words what the employee did: %s', (how) => {
    renderReveal(how);
    const dialog = screen.getByRole('dialog', { name: TITLE.en });
    expect(dialog).toHaveAttribute('aria-modal', 'true');
    expect(dialog).toHaveAccessibleDescription(
      'The message from “DingTalk Service” was not real: your organisation sent it so that you can practise spotting fake support.',
    );
    const words = DID[how];
    expect(screen.getByTestId('drill-reveal-how')).toHaveTextContent(words.did);
    expect(dialog).toHaveTextContent(words.verdict);
    expect(screen.getByTestId('drill-reveal-lesson')).toHaveTextContent(LESSON.en);
    // Only a report has a time to report.
    if (how === 'report_to_it' || how === 'check')
      expect(dialog).toHaveTextContent('You reported it 10 min after it arrived.');
    else expect(dialog).not.toHaveTextContent('after it arrived');
  });

  it.each(['en', 'zh-HK', 'zh-CN', 'ar'] as const)('teaches the one lesson in %s', (language) => {
    applyLanguage(language);
    renderReveal('report_to_it');
    expect(screen.getByRole('dialog', { name: TITLE[language] })).toBeInTheDocument();
    expect(screen.getByTestId('drill-reveal-lesson')).toHaveTextContent(LESSON[language]);
  });

  it('takes the focus, keeps it inside, closes with Escape, and leads to the official path', async () => {
    const outside = document.createElement('button');
    outside.textContent = 'outside';
    document.body.append(outside);
    outside.focus();
    const { onclose, onofficial } = renderReveal('opened_link');
    const dialog = screen.getByRole('dialog');
    expect(dialog).toHaveFocus();
    const official = screen.getByRole('button', { name: 'Show me the official path' });
    const close = screen.getByRole('button', { name: 'Close' });
    await userEvent.tab();
    expect(official).toHaveFocus();
    await userEvent.tab();
    expect(close).toHaveFocus();
    await userEvent.tab();
    expect(official).toHaveFocus();
    await userEvent.tab({ shift: true });
    expect(close).toHaveFocus();
    // A focus moved outside by a script comes back.
    outside.focus();
    expect(outside).not.toHaveFocus();
    await userEvent.keyboard('{Escape}');
    expect(onclose).toHaveBeenCalledTimes(1);
    await userEvent.click(official);
    expect(onofficial).toHaveBeenCalledTimes(1);
    outside.remove();
  });
});
