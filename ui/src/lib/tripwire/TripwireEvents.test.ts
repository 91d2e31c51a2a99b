import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { formatDateTime } from '../feed/words';
import { applyLanguage } from '../i18n';
import { fail, mockBackend } from '../ipc/testing';
import { emitTripwireRaised, tripwireFixtures } from '../ipc/tripwire-testing';
import TripwireEvents from './TripwireEvents.svelte';

const TITLE = 'Warning signs on this computer';

describe("the Threats screen's warning signs", () => {
  it('list each event in words with its local date and time, newest first', async () => {
    mockBackend();
    render(TripwireEvents);
    const section = screen.getByRole('region', { name: TITLE });
    const list = await within(section).findByRole('list', { name: TITLE });
    const items = within(list).getAllByRole('listitem');
    const events = tripwireFixtures.tripwireEvents();
    expect(items.map((li) => li.querySelector('.text')?.textContent)).toEqual([
      'A one-time code was copied',
      'AnyDesk was running',
      'AnyDesk installer downloaded',
    ]);
    const time = items[1]?.querySelector('time');
    expect(time).toHaveTextContent(formatDateTime(events[1]?.at ?? 0));
    expect(time).toHaveAttribute('datetime', new Date((events[1]?.at ?? 0) * 1000).toISOString());
    // Only the reported event says so; no event offers an action yet.
    expect(within(list).getAllByText('Sent to IT')).toHaveLength(1);
    expect(items[2]).toHaveTextContent('Sent to IT');
    expect(within(section).queryByRole('button')).toBeNull();
  });

  it('word an event without a tool name', async () => {
    const backend = mockBackend();
    backend.tripwires.events = [
      { id: 9, at: 1_772_424_000, kind: 'remote_tool', tool: null, reportedAt: null },
      { id: 8, at: 1_772_420_000, kind: 'installer', tool: null, reportedAt: null },
    ];
    render(TripwireEvents);
    expect(await screen.findByText('A remote-access program was running')).toBeInTheDocument();
    expect(screen.getByText('A remote-access installer was downloaded')).toBeInTheDocument();
  });

  it('say when there is none, and reload when a tripwire records one', async () => {
    const backend = mockBackend();
    backend.tripwires.events = [];
    render(TripwireEvents);
    expect(await screen.findByText('No warning signs so far.')).toBeInTheDocument();
    expect(screen.queryByRole('list')).toBeNull();

    backend.tripwires.events = [
      { id: 1, at: 1_772_424_000, kind: 'remote_tool', tool: 'RustDesk', reportedAt: null },
    ];
    await waitFor(async () => {
      await emitTripwireRaised();
      expect(screen.getByText('RustDesk was running')).toBeInTheDocument();
    });
    expect(screen.queryByText('No warning signs so far.')).toBeNull();
  });

  it('word a failure and retry', async () => {
    const backend = mockBackend();
    backend.on('tripwire_events', () => fail({ code: 'store', message: 'disk' }));
    render(TripwireEvents);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The warning signs could not be loaded.');
    expect(alert).toHaveTextContent('Verity could not read or write its database.');
    backend.on('tripwire_events', () => tripwireFixtures.tripwireEvents());
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('AnyDesk was running')).toBeInTheDocument();
  });

  it.each([
    ['zh-HK', ['曾複製一次性驗證碼', 'AnyDesk 曾在執行', '已下載 AnyDesk 安裝檔'], '已通知 IT'],
    ['zh-CN', ['曾复制一次性验证码', 'AnyDesk 曾在运行', '已下载 AnyDesk 安装包'], '已报告给 IT'],
    [
      'ar',
      ['نُسخ رمز لمرة واحدة', 'كان AnyDesk قيد التشغيل', 'نُزِّل ملف تثبيت AnyDesk'],
      'أُرسل إلى قسم تقنية المعلومات',
    ],
  ] as const)('read in %s', async (language, texts, reported) => {
    mockBackend();
    applyLanguage(language);
    render(TripwireEvents);
    const list = await screen.findByRole('list');
    expect(
      within(list)
        .getAllByRole('listitem')
        .map((li) => li.querySelector('.text')?.textContent),
    ).toEqual(texts);
    expect(within(list).getByText(reported)).toBeInTheDocument();
  });
});
