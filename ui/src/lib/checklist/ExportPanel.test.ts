import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { applyLanguage } from '../i18n';
import { fail, mockBackend } from '../ipc/testing';
import ExportPanel from './ExportPanel.svelte';

const SAVED = {
  path: '/home/ada/Documents/verity-checklist-report-2026-11-29.html',
  content: '<!doctype html><title>Report</title>',
  headHash: 'ab'.repeat(32),
  auditIntact: true,
};

describe('the report export', () => {
  it('says where the report was saved', async () => {
    const backend = mockBackend();
    backend.on('export_report', () => SAVED);
    render(ExportPanel);
    await userEvent.click(screen.getByRole('button', { name: 'Export HTML' }));
    const saved = await screen.findByTestId('export-path');
    expect(saved).toHaveTextContent(`Report saved to ${SAVED.path}`);
    expect(saved.querySelector('bdi')).toHaveAttribute('dir', 'ltr');
    expect(screen.getByTestId('export-head')).toHaveTextContent(SAVED.headHash);
    expect(backend.callsTo('export_report').map((c) => c.args)).toEqual([{ format: 'html' }]);
  });

  it('says nothing when the Save dialog was cancelled', async () => {
    const backend = mockBackend();
    backend.on('export_report', () => null);
    render(ExportPanel);
    await userEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    await waitFor(() => expect(backend.callsTo('export_report')).toHaveLength(1));
    expect(screen.queryByTestId('export-path')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('words a place that cannot be written, in the user’s language', async () => {
    const backend = mockBackend();
    backend.on('export_report', () =>
      fail({
        code: 'invalid_input',
        message: 'cannot write /read-only/r.json: Permission denied (os error 13)',
        reason: 'cannot_write',
      }),
    );
    applyLanguage('zh-HK');
    render(ExportPanel);
    await userEvent.click(screen.getByTestId('export-json'));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Verity 無法把報告儲存到該處：資料夾可能是唯讀、已滿或已不存在。請選擇其他位置。',
    );
    expect(screen.queryByTestId('export-path')).toBeNull();
    applyLanguage('en');
  });

  for (const [language, words] of [
    ['en', 'Your disk is full. Verity changed nothing: free some space and try again.'],
    ['ar', 'القرص ممتلئ. لم يغيّر Verity شيئًا: أفرغ بعض المساحة ثم حاول مرة أخرى.'],
  ] as const) {
    it(`says a full disk is full (${language})`, async () => {
      const backend = mockBackend();
      backend.on('export_report', () =>
        fail({
          code: 'invalid_input',
          message: 'cannot write /media/usb/r.json: No space left on device (os error 28)',
          reason: 'disk_full',
        }),
      );
      applyLanguage(language);
      render(ExportPanel);
      await userEvent.click(screen.getByTestId('export-json'));
      expect(await screen.findByRole('alert')).toHaveTextContent(words);
      applyLanguage('en');
    });
  }
});
