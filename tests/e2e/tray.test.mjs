// The tray menu, single instance and start-hidden, read and driven over D-Bus like a tray host.
// Run through tests/e2e/run (display, D-Bus session, notification daemon).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './lib/webdriver.mjs';
import { readFileSync } from 'node:fs';
import { findTrayMenu, trayMenuItems, clickTrayItem, launch, waitExit, windowVisible, waitForNotification, setClipboard } from './lib/desktop.mjs';

const BIN = process.env.VERITY_BIN;

async function until(what, fn, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await sleep(150);
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('tray menu, single instance, start hidden, open and quit', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'verity-tray-'));
  const env = { VERITY_DATA_DIR: dataDir };
  const app = launch(BIN, ['--hidden'], env);
  t.after(() => app.kill('SIGKILL'));

  const menu = await findTrayMenu(app.pid);
  const items = await trayMenuItems(menu);
  const labels = items.map((i) => i.label);
  assert.ok(labels.includes('Open Verity'), `tray items: ${JSON.stringify(items)}`);
  assert.ok(labels.includes('Quit Verity'), `tray items: ${JSON.stringify(items)}`);
  assert.ok(labels.includes('Check clipboard'), `tray items: ${JSON.stringify(items)}`);

  // "Check clipboard" from the tray answers with a notification, window closed.
  const en = JSON.parse(readFileSync(new URL('../../locales/en/check.json', import.meta.url), 'utf8'));
  await setClipboard('Call DingTalk support on +852 3001 2345 now');
  await clickTrayItem(menu, items.find((i) => i.label === 'Check clipboard').id);
  await waitForNotification(`${en['verdict.scam']}: Call DingTalk support`);

  // The global shortcut runs the same code: shortcut.test.mjs presses it.

  // Started with --hidden (as the login item does): no window until asked.
  assert.equal(await windowVisible('Verity'), false, 'the window must stay hidden with --hidden');
  await clickTrayItem(menu, items.find((i) => i.label === 'Open Verity').id);
  await until('the window to appear', () => windowVisible('Verity'));

  // A second launch hands over to the first and exits at once.
  const second = launch(BIN, [], env);
  const { code } = await waitExit(second, 15000);
  assert.equal(code, 0, `second instance output:\n${second.output}`);
  assert.equal(app.exitCode, null, 'the first instance keeps running');

  // Quit from the tray ends the app cleanly.
  await clickTrayItem(menu, items.find((i) => i.label === 'Quit Verity').id);
  const end = await waitExit(app, 15000);
  assert.equal(end.code, 0, `output:\n${app.output}`);
});
