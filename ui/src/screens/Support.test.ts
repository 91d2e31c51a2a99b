import { render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { LANGUAGES, applyLanguage, catalogues } from '../lib/i18n';
import type { Language } from '../lib/ipc';
import Support from './Support.svelte';

/** The headline and the session's line, typed here (not read from the catalogue) per language. */
const WORDS: Record<Language, { headline: string; steps: string[]; session: string }> = {
  en: {
    headline: 'Real support is only inside DingTalk',
    steps: ['Open “My”', 'Tap “Help & Feedback”', 'Tap “Contact Support”'],
    session:
      "Verified chat with your organisation's support will appear here when your organisation turns it on.",
  },
  'zh-HK': {
    headline: '真正的客服只在釘釘 App 內',
    steps: ['開啟「我的」', '點選「幫助與反饋」', '點選「聯絡客服」'],
    session: '當你的機構啟用後，與機構支援團隊經驗證的對話會在這裏顯示。',
  },
  'zh-CN': {
    headline: '真正的客服只在钉钉 App 内',
    steps: ['打开“我的”', '点击“帮助与反馈”', '点击“联系客服”'],
    session: '当你的组织启用后，与组织支持团队经过验证的聊天会显示在这里。',
  },
  ar: {
    headline: 'الدعم الحقيقي موجود داخل DingTalk فقط',
    steps: ['افتح «حسابي»', 'اضغط «المساعدة والملاحظات»', 'اضغط «التواصل مع الدعم»'],
    session: 'ستظهر هنا المحادثة الموثّقة مع دعم مؤسستك عندما تفعّلها مؤسستك.',
  },
};

function section(name: string): HTMLElement {
  return screen.getByRole('region', { name });
}

describe('Support', () => {
  it('leads with the headline, what to do on a call, and that no number online is support', () => {
    render(Support);
    expect(
      screen.getByRole('heading', { level: 1, name: 'Real support is only inside DingTalk' }),
    ).toBeInTheDocument();
    expect(screen.getByText(/No phone number found online is DingTalk support/)).toBeVisible();
    const now = section('On a call right now?');
    expect(now).toHaveTextContent('Hang up, then open DingTalk yourself');
    expect(now).toHaveTextContent('Do not call back');
    expect(now).toHaveTextContent(
      'Anyone who calls you, or gives you a number to call, is not DingTalk support.',
    );
  });

  it('draws the official path as three numbered steps in order: My, Help & Feedback, Contact Support', () => {
    render(Support);
    const path = section('The one official support path');
    const list = within(path).getByRole('list');
    expect(list.tagName).toBe('OL');
    const steps = within(list).getAllByRole('listitem');
    expect(steps.map((s) => s.getAttribute('data-step'))).toEqual(['1', '2', '3']);
    steps.forEach((step, i) => {
      expect(step).toHaveTextContent(WORDS.en.steps[i] ?? '');
      expect(
        within(step).getByRole('img', { name: `Drawing of the DingTalk app, step ${i + 1} of 3` }),
      ).toBeInTheDocument();
    });
    // The arrows between steps are decoration; the list order carries the sequence.
    expect(path.querySelectorAll('.connector')).toHaveLength(2);
    for (const arrow of path.querySelectorAll('.connector'))
      expect(arrow).toHaveAttribute('aria-hidden', 'true');
  });

  it('lists what real support never does: codes, remote access, payment, phone numbers', () => {
    render(Support);
    const never = section('What real support never does');
    const items = within(never)
      .getAllByRole('listitem')
      .map((li) => li.textContent?.trim());
    expect(items).toEqual([
      'Ask for a verification code or your password.',
      'Ask for remote access: screen sharing, or a remote-control app such as AnyDesk or TeamViewer.',
      'Ask you to pay: fees, “upgrades” or transfers.',
      'Ask you to call a number, or call you from a number found in an ad.',
    ]);
    expect(never).toHaveTextContent(
      'Report any such call, message or link to the IT or admin team',
    );
  });

  it('keeps a place for the verified session without a control that pretends to open one', () => {
    render(Support);
    const session = section('Verified support session');
    expect(session).toHaveTextContent(WORDS.en.session);
    expect(screen.queryAllByRole('button')).toEqual([]);
    expect(screen.queryAllByRole('link')).toEqual([]);
    expect(screen.queryAllByRole('textbox')).toEqual([]);
  });

  it.each(LANGUAGES.map((l) => [l.code, l.dir] as const))(
    'is fully worded in %s, in its direction (%s)',
    (language, dir) => {
      applyLanguage(language);
      const { container } = render(Support);
      expect(document.documentElement).toHaveAttribute('lang', language);
      expect(document.documentElement).toHaveAttribute('dir', dir);
      const words = WORDS[language];
      expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent(words.headline);
      const steps = within(container.querySelector('ol') as HTMLElement).getAllByRole('listitem');
      expect(steps.map((s) => s.querySelector('.caption')?.textContent)).toEqual(words.steps);
      expect(screen.getAllByRole('img')).toHaveLength(3);
      expect(container).toHaveTextContent(words.session);
      // Four sections with headings, four "never" items, every string from this language.
      expect(screen.getAllByRole('heading', { level: 2 })).toHaveLength(4);
      for (const key of [
        'support.lead',
        'support.now.title',
        'support.now.hang_up',
        'support.now.not_theirs',
        'support.never.title',
        'support.never.code',
        'support.never.remote',
        'support.never.payment',
        'support.never.call',
        'support.session.title',
        'announcement.path_heading',
        'cl.path.intro',
        'cl.path.never',
        'announcement.rule.report',
      ]) {
        const text = catalogues[language][key];
        expect(text, `${language} ${key}`).toBeTruthy();
        expect(container, `${language} ${key}`).toHaveTextContent(text ?? '');
      }
      // No key shown in place of a missing string.
      expect(container.textContent).not.toMatch(
        /\b(?:support|support_step|cl|announcement)\.[a-z_]+/,
      );
    },
  );
});
