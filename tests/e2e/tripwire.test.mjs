// The remote-access tripwire in the real app: a program named like a remote-access tool starts,
// and an installer lands in Downloads; each raises Verity's alert on D-Bus.
// Run through tests/e2e/run (display, D-Bus session, notification daemon).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTrayMenu, launch, notificationMark, waitForNotification } from './lib/desktop.mjs';

const BIN = process.env.VERITY_BIN;

test('a remote-access program starting and its installer downloaded each raise the alert', async (t) => {
  // A home of its own, with a Downloads folder for the app to watch.
  const home = mkdtempSync(join(tmpdir(), 'verity-tripwire-home-'));
  mkdirSync(join(home, 'Downloads'));
  const dataDir = mkdtempSync(join(tmpdir(), 'verity-tripwire-data-'));
  const app = launch(BIN, ['--hidden'], {
    VERITY_DATA_DIR: dataDir,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    RUST_LOG: 'warn,verity_app::tripwire=info',
  });
  t.after(() => app.kill('SIGKILL'));
  // Running: its tray menu is on the bus.
  await findTrayMenu(app.pid);
  assert.match(app.output, /tripwire: watching .*Downloads/, `output:\n${app.output}`);

  // A fake AnyDesk: any program, under AnyDesk's executable name.
  const bin = mkdtempSync(join(tmpdir(), 'verity-tripwire-bin-'));
  const fake = join(bin, 'anydesk');
  copyFileSync('/bin/sleep', fake);
  chmodSync(fake, 0o755);
  let mark = notificationMark();
  const started = Date.now();
  const child = spawn(fake, ['120'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  await waitForNotification('AnyDesk is running on this computer', 15000, mark);
  const tookMs = Date.now() - started;
  await waitForNotification('never asks you to install or open remote-access software', 1000, mark);
  console.log(`# the AnyDesk alert reached D-Bus ${tookMs} ms after the program started`);

  // TeamViewer's installer, as a browser saves it: first in progress, then renamed.
  mark = notificationMark();
  const partial = join(home, 'Downloads', 'TeamViewer_Setup_x64.exe.crdownload');
  writeFileSync(partial, 'MZ');
  await waitForNotification('TeamViewer was downloaded', 15000, mark);

  // A file that is no installer raises nothing (the next alert would show it; none comes).
  mark = notificationMark();
  writeFileSync(join(home, 'Downloads', 'quarterly-report.pdf'), '%PDF');
  writeFileSync(join(home, 'Downloads', 'AnyDeskNotes.txt'), 'notes');
  await new Promise((r) => setTimeout(r, 2500));
  await assert.rejects(waitForNotification('Verity', 500, mark));
});
