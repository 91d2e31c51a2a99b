// The signed feed end to end with the real app: IT publishes with `verityctl feed init/publish`,
// serves it on loopback with `verityctl feed serve`, deploys a provisioning file; the app syncs on
// its own within a minute of start and raises ONE grouped alert, observed on D-Bus; the tray menu
// shows the unread count and the list's freshness; clicking the alert opens the app.
// Run through tests/e2e/run (display, D-Bus session, notification daemon).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './lib/webdriver.mjs';
import {
  clickTrayItem,
  findTrayMenu,
  launch,
  notificationLog,
  trayMenuItems,
  waitExit,
  waitForNotification,
  windowVisible,
} from './lib/desktop.mjs';

const BIN = process.env.VERITY_BIN;
const CTL = process.env.VERITYCTL_BIN;
const en = JSON.parse(readFileSync(new URL('../../locales/en/feed.json', import.meta.url), 'utf8'));

async function until(what, fn, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const HEADER = 'kind,value,category,campaign,source,alert\n';
const V1 = `${HEADER}phone,+852 3001 0001,fake_support,ads-q3,HK police,true
phone,+852 3001 0002,fake_support,ads-q3,HK police,false
domain,dingtalk-help.example.com,phishing,pages,IT,false
`;
// v2: three new numbers posing as platform support, flagged for alert.
const V2 = `${V1}phone,+852 3001 0003,fake_support,ads-q4,HK police,true
phone,+852 3001 0004,fake_support,ads-q4,HK police,true
phone,+852 3001 0005,fake_support,ads-q4,HK police,true
`;

function ctl(args, env = {}) {
  return execFileSync(CTL, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
}

/** `verityctl feed serve` on 127.0.0.1:0; resolves to { child, url } once it listens. */
function serve(repo) {
  const child = spawn(CTL, ['feed', 'serve', '--repo', repo, '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`feed serve did not start: ${err}`)), 10000);
    child.stderr.on('data', (d) => {
      err += d;
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    });
    child.on('exit', (code) => reject(new Error(`feed serve exited ${code}: ${err}`)));
  });
}

test('a published feed reaches the app: one grouped alert on D-Bus, the tray, a click opens the app', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-feed-'));
  const repo = join(dir, 'repo');
  const keys = join(dir, 'keys');
  const dataDir = join(dir, 'data');
  ctl(['feed', 'init', '--repo', repo, '--keys', keys, '--root-key-dir', join(dir, 'root-keys')]);
  writeFileSync(join(dir, 'v1.csv'), V1);
  ctl(['feed', 'publish', '--repo', repo, '--keys', keys, '--entries', join(dir, 'v1.csv')]);
  const server = await serve(repo);
  t.after(() => server.child.kill('SIGTERM'));

  // The machine already has version 1 (IT synced it once with verityctl); then v2 is published.
  ctl(['sync', '--url', server.url, '--root', join(repo, 'root.json')], { VERITY_DATA_DIR: dataDir });
  writeFileSync(join(dir, 'v2.csv'), V2);
  ctl(['feed', 'publish', '--repo', repo, '--keys', keys, '--entries', join(dir, 'v2.csv')]);

  // The administrator's provisioning file names the feed and its trusted root.
  const provisioning = join(dir, 'provisioning.json');
  writeFileSync(provisioning, JSON.stringify({ url: server.url, root: join(repo, 'root.json') }));

  // Earlier tests' notifications may still be shown, and `dunstctl action 0` acts on the first.
  execFileSync('dunstctl', ['close-all']);
  const app = launch(BIN, ['--hidden'], { VERITY_DATA_DIR: dataDir, VERITY_PROVISIONING: provisioning });
  t.after(() => app.kill('SIGKILL'));

  // The first sync comes 0–60 s after start: one grouped, pluralised alert for the three numbers.
  const title = en['feed.alert.phones_support.few'].replace('{count}', '3');
  await waitForNotification(title, 90000);
  const log = notificationLog();
  const alerts = log.split('\n').filter((l) => l.includes('posing as platform support'));
  assert.equal(alerts.length, 1, `one grouped notice, not one per number:\n${log.slice(-3000)}`);
  assert.ok(log.includes('+85230010003 (ads-q4)'), 'the body names the numbers and campaign');
  assert.ok(log.includes(en['feed.alert.action']), 'the alert carries the "Show threats" action');

  // The tray shows the unread count and the list's freshness (the tooltip's text, readable here):
  // version 1's alert entry (recorded by the verityctl sync, as the app's own sync would) and
  // version 2's three.
  const menu = await findTrayMenu(app.pid);
  const unread = en['feed.tray.unread.other'].replace('{count}', '4');
  const items = await until('the tray to show the unread count', async () => {
    const items = await trayMenuItems(menu);
    return items.some((i) => i.label === unread) ? items : null;
  });
  const labels = items.map((i) => i.label);
  assert.ok(
    labels.some((l) => /^List v2, updated (a minute ago|\d+ minutes ago)$/.test(l ?? '')),
    `tray items: ${JSON.stringify(labels)}`,
  );

  // Clicking the alert brings the app (started hidden) forward on the Threats screen.
  assert.equal(await windowVisible('Verity'), false, 'started hidden');
  execFileSync('dunstctl', ['action', '0']);
  await until('the window to appear after the click', () => windowVisible('Verity'));

  // The list is in force for checks: the app's CLI twin sees version 2.
  const status = JSON.parse(ctl(['status', '--json'], { VERITY_DATA_DIR: dataDir }));
  assert.equal(status.feed.version, 2);

  await clickTrayItem(menu, items.find((i) => i.label === 'Quit Verity').id);
  const end = await waitExit(app, 15000);
  assert.equal(end.code, 0, `output:\n${app.output}`);
});
