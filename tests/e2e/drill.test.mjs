// Scam drills end to end (issue 15) with the real app under Xvfb: a real `verity-desk` on loopback,
// a device enrolled by `verityctl device enroll` with its key in a real Secret Service
// (gnome-keyring, started here on the harness's private D-Bus session, its keyring under the
// harness's temporary XDG_DATA_HOME: no user keyring is ever touched), a reserved number and link
// and a `freeze_threat` drill made `--at-once` for that device. The app fetches the lure at start
// (the key is in the OS store, so the background may sign), shows it as a notification titled with
// the lure's sender (observed on D-Bus), a click on the notification (dunst's default action)
// opens the lure view, Report to IT brings the reveal, and the desk records `reported`.
//
// Run through tests/e2e/run (display, D-Bus session, notification daemon and monitor); only this
// file: `E2E_SCRIPT=tests/e2e/drill.test.mjs tests/e2e/run`. The app runs under a tauri-driver of
// its own (its own data dir, home and XDG dirs) on the harness's display and bus.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebDriver, sleep } from './lib/webdriver.mjs';
import { busNames, gdbus, notificationLog, notificationMark, waitForNotification } from './lib/desktop.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = process.env.VERITY_BIN;
const CTL = process.env.VERITYCTL_BIN;
const DESK = process.env.VERITY_DESK_BIN;
const DRIVER = process.env.TAURI_DRIVER;
const NUMBER = '+85230019999';
const LINK = 'https://dingtalk-verify.example.com/keep';
// The lure's sender for freeze_threat in English (verity_device::proto::drill::lure_text).
const SENDER = 'DingTalk Service';

const words = JSON.parse(readFileSync(join(ROOT, 'locales', 'en', 'drill_ui.json'), 'utf8'));

const TMP = mkdtempSync(join(tmpdir(), 'verity-drill-e2e-'));
const deskData = join(TMP, 'desk');
const app = { data: join(TMP, 'data'), home: join(TMP, 'home'), log: join(TMP, 'driver.log'), wd: null };
const children = [];
let deskUrl = '';
let drillId = '';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const ctl = (args) => execFileSync(CTL, args, { encoding: 'utf8' });
const desk = (args) => execFileSync(DESK, args, { encoding: 'utf8' });

async function until(what, fn, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await fn();
    if (v) return v;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * gnome-keyring's Secret Service on the harness's bus, unlocked, in the foreground (ours to stop),
 * its keyrings in a directory of this test's. `--replace`: an earlier app on this bus may have had
 * D-Bus activate a locked one (the bus knows the service's activation file).
 */
async function startKeyring() {
  for (const v of ['HOME', 'XDG_DATA_HOME', 'XDG_RUNTIME_DIR']) {
    assert.ok(process.env[v]?.includes('/verity-e2e.'), `${v} must be the harness's temporary dir, not ${process.env[v]}`);
  }
  const env = { ...process.env, XDG_DATA_HOME: join(TMP, 'keyring') };
  mkdirSync(env.XDG_DATA_HOME, { recursive: true });
  const keyring = spawn('gnome-keyring-daemon', ['--replace', '--foreground', '--unlock', '--components=secrets'], { env, stdio: ['pipe', 'ignore', 'pipe'] });
  children.push(keyring);
  let err = '';
  keyring.stderr.on('data', (d) => (err += d));
  keyring.stdin.end('pass');
  const owner = async () => {
    const out = await gdbus('--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus', '--method', 'org.freedesktop.DBus.GetConnectionUnixProcessID', 'org.freedesktop.secrets').catch(() => '');
    return Number(/uint32 (\d+)/.exec(out)?.[1]);
  };
  await until('our gnome-keyring to own org.freedesktop.secrets', async () => {
    if (keyring.exitCode !== null) throw new Error(`gnome-keyring-daemon exited ${keyring.exitCode}: ${err}`);
    return (await owner()) === keyring.pid;
  });
}

/** The desk on 127.0.0.1:0; resolves with its URL. */
function startDesk() {
  const server = spawn(DESK, ['serve', '--data', deskData, '--listen', '127.0.0.1:0', '--log-json'], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(server);
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`the desk did not start: ${buf}`)), 10000);
    server.stderr.on('data', (d) => {
      buf += d;
      for (const line of buf.split('\n')) {
        try {
          const v = JSON.parse(line);
          if (v.fields?.message === 'desk listening') {
            clearTimeout(timer);
            resolve(`http://${v.fields.addr}`);
          }
        } catch {
          // a partial line
        }
      }
    });
  });
}

/** A tauri-driver of our own (the app's environment: data dir, home, XDG dirs) and a session. */
async function startApp() {
  for (const d of [app.data, app.home]) mkdirSync(d, { recursive: true });
  const env = {
    ...process.env,
    HOME: app.home,
    XDG_CONFIG_HOME: join(app.home, '.config'),
    XDG_CACHE_HOME: join(app.home, '.cache'),
    VERITY_DATA_DIR: app.data,
    LANG: 'en_HK.UTF-8',
    TZ: 'Asia/Hong_Kong',
  };
  for (const v of ['LANGUAGE', 'LC_ALL', 'LC_MESSAGES']) delete env[v];
  const port = await freePort();
  const nativePort = await freePort();
  const log = openSync(app.log, 'a');
  const child = spawn(DRIVER, ['--port', String(port), '--native-port', String(nativePort)], { env, detached: true, stdio: ['ignore', log, log] });
  child.group = true;
  closeSync(log);
  children.push(child);
  app.wd = new WebDriver(`http://127.0.0.1:${port}`);
  const end = Date.now() + 15000;
  while (!(await fetch(`${app.wd.base}/status`).then((r) => r.ok, () => false))) {
    if (Date.now() > end) throw new Error(`tauri-driver did not start:\n${readFileSync(app.log, 'utf8')}`);
    await sleep(100);
  }
  await app.wd.start(BIN);
  await app.wd.waitFor('main h1', 20000);
}

async function textOf(css) {
  return app.wd.text(await app.wd.find(css));
}

before(async () => {
  assert.ok(BIN && CTL && DESK && DRIVER, 'VERITY_BIN, VERITYCTL_BIN, VERITY_DESK_BIN and TAURI_DRIVER must be set (run through tests/e2e/run)');
  await startKeyring();

  const init = desk(['org', 'init', '--data', deskData, '--name', 'Acme HK']);
  const fingerprint = /Key fingerprint:\s*([0-9A-F ]+)/.exec(init)?.[1]?.trim();
  assert.ok(fingerprint, init);
  const code = desk(['enroll-code', '--data', deskData, '--employee', 'e200', '--name', 'Wong Siu Ming', '--ttl', '2h']).trim().split('\n').at(-1);
  desk(['drill', 'reserve', 'add', '--data', deskData, '--kind', 'number', '--value', NUMBER, '--label', 'Drill line']);
  desk(['drill', 'reserve', 'add', '--data', deskData, '--kind', 'link', '--value', LINK, '--label', 'Drill page']);
  deskUrl = await startDesk();

  // The device key goes to the Secret Service (the app signs in the background only with it).
  mkdirSync(app.data, { recursive: true });
  const e = JSON.parse(ctl(['device', 'enroll', '--desk', deskUrl, '--code', code, '--fingerprint', fingerprint, '--key-store', 'secret-service', '--json', '--data-dir', app.data]));
  assert.equal(e.bound, true, JSON.stringify(e));

  const made = JSON.parse(desk(['drill', 'create', '--data', deskData, '--name', 'Q4 freeze drill', '--scenario', 'freeze_threat', '--number', NUMBER, '--link', LINK, '--at-once', '--json']));
  drillId = made.id;
  assert.ok(drillId, JSON.stringify(made));
  assert.equal(made.totals.targets, 1, JSON.stringify(made));

  // Our app on the harness's bus: no earlier test file's app may still hold the single-instance name.
  const end = Date.now() + 15000;
  while ((await busNames()).some((n) => n.startsWith('hk.verity.desktop.SingleInstance'))) {
    assert.ok(Date.now() < end, 'another Verity still holds the single-instance name on the session bus');
    await sleep(100);
  }
  // Earlier tests' notifications may still be shown, and `dunstctl action 0` acts on the first.
  execFileSync('dunstctl', ['close-all']);
});

after(async () => {
  await app.wd?.stop();
  for (const c of children.reverse()) {
    try {
      if (c.group) process.kill(-c.pid, 'SIGTERM');
      else c.kill('SIGTERM');
    } catch {
      // already gone
    }
  }
  rmSync(TMP, { recursive: true, force: true });
});

test('drill: the lure arrives as a notification, is reported from the lure view, the reveal shows, the desk has it', async () => {
  const mark = notificationMark();
  await startApp();

  // Fetched at start and shown at once: a notification titled with the lure's sender.
  await waitForNotification(`"${SENDER}"`, 60000, mark);
  const log = notificationLog().slice(mark);
  // dbus-monitor prints Notify's arguments in order: app_name, replaces_id, app_icon, summary, body.
  const summaries = [...log.matchAll(/string "Verity"\s+uint32 \d+\s+string "[^"]*"\s+string "([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(summaries, [SENDER], `one notification, titled with the lure's sender:\n${log.slice(-2000)}`);
  assert.ok(log.includes(NUMBER.replace(/^\+852(\d{4})(\d{4})$/, '+852 $1 $2')) || log.includes(NUMBER), `the body names the number:\n${log.slice(-2000)}`);
  assert.ok(log.includes(LINK), `the body names the link:\n${log.slice(-2000)}`);

  // A click on the notification (its default action) opens the lure view.
  await sleep(300); // dunst shows it
  execFileSync('dunstctl', ['action', '0']);
  await app.wd.waitFor('[data-testid="drill-lure"]', 15000);
  assert.equal(await app.wd.execute('return location.hash'), `#/drill/${drillId}`);
  assert.equal(await textOf('#lure-sender'), SENDER);

  // Report to IT: the reveal.
  const report = await app.wd.find(`[data-testid="drill-lure"] .actions button.primary`);
  assert.equal(await app.wd.text(report), words['drill.ui.lure.report']);
  await app.wd.click(report);
  const dialog = await app.wd.waitFor('[data-testid="drill-reveal"]', 15000);
  assert.equal(await app.wd.attribute(dialog, 'data-how'), 'report_to_it');
  assert.equal(await textOf('#drill-reveal-title'), words['drill.ui.reveal.title']);
  assert.equal(await textOf('[data-testid="drill-reveal-how"]'), words['drill.ui.how.report_to_it']);
  assert.equal(await textOf('[data-testid="drill-reveal-lesson"]'), words['drill.ui.reveal.lesson']);

  // The outcome reaches the desk (sent in the background with the OS-store key).
  const results = await until('the desk to record the report', async () => {
    const r = JSON.parse(desk(['drill', 'results', '--data', deskData, drillId, '--json']));
    return r.totals.reported === 1 ? r : null;
  }, 30000);
  assert.equal(results.totals.delivered, 1, JSON.stringify(results));
  assert.equal(results.totals.engaged, 0, JSON.stringify(results));
});
