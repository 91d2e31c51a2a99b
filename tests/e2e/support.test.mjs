// Verified support sessions (issue 13) with two real Verity apps under Xvfb: an employee's and a
// support agent's, each with its own data dir, home and WebDriver session, against a real
// `verity-desk` on loopback. The employee opens a session, the agent accepts it, they chat (the
// agent's request for a code carries its warning), both windows show the same call code, the
// employee confirms it, the agent closes with a summary, and the auditor opens the sealed
// transcript offline with the audit key.
//
// Run through tests/e2e/run (display, D-Bus session, notification daemon and monitor); only this
// file: `E2E_SCRIPT=tests/e2e/support.test.mjs tests/e2e/run`. The app is single-instance through
// a D-Bus name (tauri-plugin-single-instance on Linux owns `hk.verity.desktop.SingleInstance` on
// the session bus; a second launch on the same bus hands over to the first and exits). So each app
// has its own tauri-driver (its own ports, its own environment: data dir, home, XDG dirs): the
// employee's app on the harness's display and session bus (its notifications reach the monitor);
// the agent's app on a second Xvfb started here, inside its own `dbus-run-session`, so it is a
// first instance on its own bus, its global shortcut is not taken by the employee's app, and the
// two windows never cover each other in screenshots. The real app is not changed.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { WebDriver, sleep } from './lib/webdriver.mjs';
import { busNames, notificationMark, waitForNotification } from './lib/desktop.mjs';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = process.env.VERITY_BIN;
const CTL = process.env.VERITYCTL_BIN;
const DESK = process.env.VERITY_DESK_BIN;
const DRIVER = process.env.TAURI_DRIVER;
const SHOTS = process.env.VERITY_SCREENSHOTS;
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
const PASSPHRASE = 'correct horse battery staple';
const FIRST = 'My account says it will be frozen. Is that you?';
const ASKS = 'Please tell me the verification code we just sent you.';
const SUMMARY = 'No freeze: the message was a scam. Nothing else to do.';

const words = JSON.parse(readFileSync(join(ROOT, 'locales', 'en', 'support.json'), 'utf8'));
const fmt = (key, vars = {}) => words[key].replace(/\{(\w+)\}/g, (_, k) => vars[k]);

const TMP = mkdtempSync(join(tmpdir(), 'verity-support-e2e-'));
const deskData = join(TMP, 'desk');
const auditKey = join(TMP, 'audit.key');
const passFile = join(TMP, 'passphrase');
let deskUrl = '';
let orgFingerprint = '';
let totpSecret = '';
let agentCertFingerprint = '';
const children = [];

/** One app: its data dir, its own home, its own tauri-driver and WebDriver session. */
function party(name) {
  const dir = join(TMP, name);
  return { name, dir, data: join(dir, 'data'), home: join(dir, 'home'), run: join(dir, 'run'), log: join(TMP, `${name}-driver.log`), display: process.env.DISPLAY, wd: null };
}
const employee = party('employee');
const agent = party('agent');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function ctl(args) {
  return execFileSync(CTL, args, { encoding: 'utf8' });
}

function desk(args) {
  return execFileSync(DESK, [...args], { encoding: 'utf8' });
}

/** RFC 6238 with SHA-1, 30-second steps, six digits (the desk's authenticator codes). */
function totp(secretB32, atMs = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = [];
  let bits = 0;
  let acc = 0;
  for (const c of secretB32.replace(/=+$/, '').toUpperCase()) {
    const v = alphabet.indexOf(c);
    assert.ok(v >= 0, `not base32: ${secretB32}`);
    acc = ((acc << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((acc >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 1000 / 30)));
  const h = createHmac('sha1', Buffer.from(bytes)).update(counter).digest();
  const off = h[h.length - 1] & 0x0f;
  return String((h.readUInt32BE(off) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/** Starts a tauri-driver for `p` (in its own D-Bus session when `ownBus`) and a WebDriver session. */
async function startApp(p, ownBus) {
  for (const d of [p.data, p.home, p.run]) mkdirSync(d, { recursive: true });
  chmodSync(p.run, 0o700);
  const env = {
    ...process.env,
    HOME: p.home,
    XDG_RUNTIME_DIR: p.run,
    XDG_CONFIG_HOME: join(p.home, '.config'),
    XDG_DATA_HOME: join(p.home, '.local', 'share'),
    XDG_CACHE_HOME: join(p.home, '.cache'),
    VERITY_DATA_DIR: p.data,
    DISPLAY: p.display,
    // The region signals: a Hong Kong locale and time zone place the employee in HK, which the
    // agent serves (the desk has no region policy, so the locale decides the region).
    TZ: 'Asia/Hong_Kong',
    LANG: 'en_HK.UTF-8',
  };
  for (const v of ['LANGUAGE', 'LC_ALL', 'LC_MESSAGES']) delete env[v];
  const port = await freePort();
  const nativePort = await freePort();
  const args = ['--port', String(port), '--native-port', String(nativePort)];
  const [cmd, argv] = ownBus ? ['dbus-run-session', ['--', DRIVER, ...args]] : [DRIVER, args];
  const log = openSync(p.log, 'a');
  // Its own process group: stopping it stops the driver, WebKitWebDriver, the app and the bus.
  const child = spawn(cmd, argv, { env, detached: true, stdio: ['ignore', log, log] });
  child.group = true;
  closeSync(log);
  children.push(child);
  p.wd = new WebDriver(`http://127.0.0.1:${port}`);
  const end = Date.now() + 15000;
  while (!(await fetch(`${p.wd.base}/status`).then((r) => r.ok, () => false))) {
    if (Date.now() > end) throw new Error(`${p.name}'s tauri-driver did not start:\n${readFileSync(p.log, 'utf8')}`);
    await sleep(100);
  }
  await p.wd.start(BIN);
  await p.wd.waitFor('main h1', 20000);
}

/** Sets an input's value as typing would (Svelte's bindings listen for `input`). */
async function fill(p, css, value, event = 'input') {
  await p.wd.execute(
    `const e = document.querySelector(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event(arguments[2], { bubbles: true }));`,
    [css, value, event],
  );
}

async function go(p, screen) {
  await p.wd.click(await p.wd.waitFor(`nav a[href$="${screen}"]`, 15000));
  await p.wd.until(`${screen} to be current`, async () => (await p.wd.attribute(await p.wd.find(`nav a[href$="${screen}"]`), 'aria-current')) === 'page');
}

async function textOf(p, css) {
  return p.wd.text(await p.wd.find(css));
}

/** Waits until the element matching `css` has text that satisfies `ok`, then returns the text. */
async function waitText(p, css, what, ok, timeoutMs = 20000) {
  return p.wd.until(what, async () => {
    const t = await textOf(p, css);
    return ok(t) ? t : null;
  }, timeoutMs);
}

/** The X window of `p`'s app: the `verity` process started with its data dir, by _NET_WM_PID. */
async function windowOf(p) {
  const needle = `VERITY_DATA_DIR=${p.data}\0`;
  const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      return basename(readlinkSync(`/proc/${pid}/exe`)) === basename(BIN) && readFileSync(`/proc/${pid}/environ`, 'latin1').includes(needle);
    } catch {
      return false; // gone, or not ours
    }
  });
  for (const pid of pids) {
    const { stdout } = await run('xdotool', ['search', '--onlyvisible', '--pid', pid, '--name', '^Verity$'], { env: { ...process.env, DISPLAY: p.display } }).catch(() => ({ stdout: '' }));
    const id = stdout.split('\n').find(Boolean);
    if (id) return id;
  }
  throw new Error(`no window of ${p.name}'s app (pids ${pids.join(', ') || 'none'})`);
}

/**
 * Captures `p`'s window (WebDriver's own screenshot hangs under Xvfb), after scrolling `css` into
 * view. Each app has a display of its own, so no other window covers it.
 */
async function shot(p, name, css, block = 'center') {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  if (css) await p.wd.execute(`document.querySelector(arguments[0]).scrollIntoView({ block: arguments[1] })`, [css, block]);
  const id = await windowOf(p);
  await sleep(400); // let scrolling and transitions settle
  await run('/usr/bin/import', ['-window', id, join(SHOTS, name)], { env: { ...process.env, DISPLAY: p.display } });
}

/** A second X display for the agent's app: its own Xvfb, on the first free number it picks. */
async function startDisplay() {
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  children.push(xvfb);
  let err = '';
  xvfb.stderr.on('data', (d) => (err += d));
  const n = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`Xvfb did not start: ${err}`)), 10000);
    xvfb.stdio[3].on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) {
        clearTimeout(timer);
        resolve(buf.trim());
      }
    });
    xvfb.on('exit', () => reject(new Error(`Xvfb exited: ${err}`)));
  });
  return `:${n}`;
}

before(async () => {
  assert.ok(BIN && CTL && DESK && DRIVER, 'VERITY_BIN, VERITYCTL_BIN, VERITY_DESK_BIN and TAURI_DRIVER must be set (run through tests/e2e/run)');
  // The organisation's desk, its audit key, one employee and one agent.
  const init = desk(['org', 'init', '--data', deskData, '--name', 'Acme HK']);
  orgFingerprint = /Key fingerprint:\s*([0-9A-F ]+)/.exec(init)?.[1]?.trim();
  assert.ok(orgFingerprint, init);
  const recipient = desk(['audit', 'keygen', '--out', auditKey]).trim().split('\n').at(-1);
  assert.match(recipient, /^age1[0-9a-z]+$/);
  desk(['support', 'audit-recipient', 'set', '--data', deskData, recipient]);
  const employeeCode = desk(['enroll-code', '--data', deskData, '--employee', 'e100', '--name', 'Chan Tai Man', '--ttl', '2h']).trim().split('\n').at(-1);
  const agentCode = desk(['agent', 'add', '--data', deskData, '--name', 'Mei Lam', '--team', 'Accounts', '--languages', 'en,zh-HK,zh-CN,ar', '--regions', 'HK', '--ttl', '2h']).trim().split('\n').at(-1);

  const server = spawn(DESK, ['serve', '--data', deskData, '--listen', '127.0.0.1:0', '--log-json'], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(server);
  const addr = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`the desk did not start: ${buf}`)), 10000);
    server.stderr.on('data', (d) => {
      buf += d;
      for (const line of buf.split('\n')) {
        try {
          const v = JSON.parse(line);
          if (v.fields?.message === 'desk listening') {
            clearTimeout(timer);
            resolve(v.fields.addr);
          }
        } catch {
          // a partial line
        }
      }
    });
  });
  deskUrl = `http://${addr}`;

  // Both data dirs enrolled by verityctl, the keys in passphrase files (this session has no
  // Secret Service).
  writeFileSync(passFile, `${PASSPHRASE}\n`, { mode: 0o600 });
  for (const p of [employee, agent]) mkdirSync(p.data, { recursive: true });
  const keyArgs = ['--key-store', 'file', '--passphrase-file', passFile];
  const e = JSON.parse(ctl(['device', 'enroll', '--desk', deskUrl, '--code', employeeCode, '--fingerprint', orgFingerprint, ...keyArgs, '--json', '--data-dir', employee.data]));
  assert.equal(e.bound, true);
  assert.ok(e.totp_secret, JSON.stringify(e));
  totpSecret = e.totp_secret;
  const a = JSON.parse(ctl(['device', 'enroll', '--agent', '--desk', deskUrl, '--code', agentCode, '--fingerprint', orgFingerprint, ...keyArgs, '--json', '--data-dir', agent.data]));
  assert.equal(a.role, 'agent', JSON.stringify(a));
  agentCertFingerprint = a.certificate_fingerprint;
  assert.match(agentCertFingerprint, /^([0-9A-F]{4} ){15}[0-9A-F]{4}$/);

  // The employee's app shares the harness's bus: an app an earlier test file stopped must have
  // let go of the single-instance name, or this launch would hand over to it and exit.
  const end = Date.now() + 15000;
  while ((await busNames()).some((n) => n.startsWith('hk.verity.desktop.SingleInstance'))) {
    assert.ok(Date.now() < end, 'another Verity still holds the single-instance name on the session bus');
    await sleep(100);
  }
  agent.display = await startDisplay();
  await Promise.all([startApp(employee, false), startApp(agent, true)]);
});

after(async () => {
  for (const p of [employee, agent]) await p.wd?.stop();
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

test('support: the agent\'s app goes online from its Agent screen', async () => {
  // Only the agent's app has the Agent entry.
  assert.equal((await employee.wd.findAll('nav a[href$="agent"]')).length, 0, 'no Agent entry in the employee\'s app');
  await go(agent, 'agent');
  const presence = await agent.wd.waitFor('[data-testid="agent-presence"]', 15000);
  assert.ok((await agent.wd.text(presence)).includes('Mei Lam'));
  // The key is in a file: the first try asks for its passphrase.
  await agent.wd.click(await agent.wd.find('#agent-online'));
  await agent.wd.waitFor('#agent-passphrase', 15000);
  await fill(agent, '#agent-passphrase', PASSPHRASE);
  await agent.wd.click(await agent.wd.find('#agent-online'));
  await waitText(agent, '#agent-presence-state', 'the agent online', (t) => t === words['agent.presence.onlineNow']);
  await agent.wd.until('the workplace connected', async () => (await agent.wd.findAll('main .reconnecting')).length === 0, 20000);
});

test('support: the employee opens a verified session from the Support screen: queued', async () => {
  await go(employee, 'support');
  await employee.wd.waitFor('[data-testid="support-open"]', 15000);
  await employee.wd.click(await employee.wd.find('input[name="support-category"][value="account"]'));
  await fill(employee, '#support-message', FIRST);
  await fill(employee, '#support-totp', totp(totpSecret));
  await fill(employee, '#support-passphrase', PASSPHRASE);
  await employee.wd.click(await employee.wd.find('[data-testid="support-open"] button[type="submit"]'));
  // Queued, or already past it when the agent's offer is accepted quickly: not yet.
  await employee.wd.waitFor('[data-testid="session-queued"]', 20000);
});

test('support: the agent accepts the offer: each sees the other as their certificate proves', async () => {
  const offer = await agent.wd.waitFor('[data-testid="agent-offer"]', 20000);
  assert.ok((await agent.wd.text(offer)).includes(words['support.category.account'] ?? ''), await agent.wd.text(offer));
  await agent.wd.click(await agent.wd.find('[data-testid="agent-offer"] button.primary'));

  // The employee's app: the agent's card, from the certificate the handshake verified.
  const card = await employee.wd.waitFor('[data-testid="agent-card"]', 20000);
  const shown = await employee.wd.text(card);
  assert.ok(shown.includes(fmt('support.card.verified', { org: 'Acme HK' })), shown);
  assert.ok(shown.includes('Mei Lam') && shown.includes('Accounts'), shown);
  assert.equal(await textOf(employee, '[data-testid="agent-card"] bdi.mono'), agentCertFingerprint);
  // The same agent as verityctl reads from the agent's data dir.
  const status = JSON.parse(ctl(['device', 'status', '--json', '--data-dir', agent.data]));
  assert.equal(status.role, 'agent');
  assert.equal(status.agent.name, 'Mei Lam');
  assert.equal(status.org.name, 'Acme HK');
  assert.equal(status.org.fingerprint, orgFingerprint);

  // The agent's app: the employee's card and the first message.
  await waitText(agent, '#agent-panel', 'the employee\'s card', (t) => t.includes('Chan Tai Man') && t.includes('e100'));
  await waitText(agent, '#agent-panel [data-testid="chat-log"]', 'the first message', (t) => t.includes(FIRST));
  // The employee's message reaches "delivered".
  await employee.wd.waitFor('[data-testid="chat-message"] .delivery[data-delivery="delivered"]', 20000);
});

test('support: the agent asks for a code: the employee\'s screen warns beside the message', async () => {
  await fill(agent, '#agent-chat-composer', ASKS);
  await agent.wd.click(await agent.wd.find('#agent-panel .composer button[type="submit"]'));
  const cue = await employee.wd.waitFor('[data-testid="chat-message"].peer .guard[data-cue="asks_for_code"]', 20000);
  assert.equal((await employee.wd.text(cue)).trim(), words['support.guard.asks_for_code']);
  const message = await textOf(employee, '[data-testid="chat-message"].peer');
  assert.ok(message.includes(ASKS), message);
  await shot(employee, 'support-employee-chat.png', '[data-testid="chat-log"]');
});

test('support: the agent starts a call: both windows show the same code; the employee says it matched', async () => {
  const mark = notificationMark();
  await agent.wd.click(await agent.wd.find('[data-testid="agent-call"] button'));
  const dialog = await employee.wd.waitFor('[data-testid="code-dialog"]', 20000);
  assert.ok((await employee.wd.text(dialog)).includes(fmt('support.call.title', { agent: 'Mei Lam' })));
  const seen = (await textOf(employee, '[data-testid="code-dialog"] .code')).trim();
  assert.match(seen, /^\d{3} \d{3}$/);
  const read = await waitText(agent, '[data-testid="agent-call"] .code', 'the agent\'s code', (t) => /^\d{3} \d{3}$/.test(t.trim()));
  assert.equal(read.trim(), seen, 'the same code in both windows');
  // The employee is told even with the window closed.
  await waitForNotification(fmt('notification.support.calling.title', { agent: 'Mei Lam' }), 10000, mark);
  // Its bubble would cover the window's corner in the screenshots.
  await run('dunstctl', ['close-all']).catch(() => {});
  await shot(employee, 'support-code-dialog.png');
  await shot(agent, 'support-code-agent.png', '[data-testid="agent-call"]');

  await employee.wd.click(await employee.wd.find('[data-testid="code-dialog"] button.primary'));
  await employee.wd.until('the dialog to close', async () => (await employee.wd.findAll('[data-testid="code-dialog"]')).length === 0);
  await waitText(employee, 'p.matched', 'the confirmation', (t) => t === fmt('support.call.matched', { agent: 'Mei Lam' }));
  await agent.wd.waitFor('[data-testid="agent-call"] .answer[data-matched="true"]', 20000);
});

test('support: the agent closes with an outcome and a summary: the employee sees the summary', async () => {
  await fill(agent, '#agent-close-outcome', 'resolved', 'change');
  await fill(agent, '#agent-close-summary', SUMMARY);
  await shot(agent, 'support-agent-workplace.png', '[data-testid="agent-sessions"]', 'start');
  const close = await agent.wd.execute(`return document.querySelector('#agent-close-summary').form.querySelector('button[type="submit"]')`);
  await agent.wd.click(close[ELEMENT]);
  const closed = await employee.wd.waitFor('[data-testid="session-closed"]', 20000);
  assert.equal((await textOf(employee, '[data-testid="session-closed"] .summary')).trim(), SUMMARY);
  assert.ok((await employee.wd.text(closed)).includes(fmt('support.closed.outcome', { outcome: words['support.outcome.resolved'] })), await employee.wd.text(closed));
  await agent.wd.until('the agent\'s tab closed', async () => (await agent.wd.findAll('#agent-panel [data-testid="agent-call"]')).length === 0, 20000);
  await shot(employee, 'support-employee-closed.png', '[data-testid="session-closed"]');
});

test('support: the auditor opens the sealed transcript offline with the audit key', async () => {
  const sessions = JSON.parse(desk(['support', 'sessions', '--data', deskData, '--json']));
  assert.equal(sessions.length, 1, JSON.stringify(sessions));
  const id = sessions[0].session_id;
  assert.match(id, /^[0-9a-f]{32}$/);
  // The employee's app uploads its sealed copy once the session closed (in this version only
  // the employee's app uploads: docs/support-protocol.md, "Transcript at close"; it holds both
  // directions and both parties' final checkpoints).
  let opened;
  const end = Date.now() + 30000;
  for (;;) {
    const r = await run(DESK, ['audit', 'open', id, '--data', deskData, '--identity', auditKey, '--json']).then((o) => JSON.parse(o.stdout), (e) => ({ error: `${e.stderr}` }));
    if (r.sides?.find((s) => s.sealed_by === 'employee')?.result === 'verified') {
      opened = r;
      break;
    }
    assert.ok(Date.now() < end, `the transcript did not open: ${JSON.stringify(r)}`);
    await sleep(250);
  }
  assert.deepEqual(opened.sides.find((s) => s.sealed_by === 'employee'), { sealed_by: 'employee', result: 'verified', fully_signed: true });
  assert.ok(['missing', 'verified'].includes(opened.sides.find((s) => s.sealed_by === 'agent')?.result), JSON.stringify(opened.sides));
  const t = opened.transcript;
  assert.equal(t.fully_signed, true);
  assert.equal(t.session_id, id);
  assert.equal(t.agent.name, 'Mei Lam');
  assert.equal(t.agent.fingerprint, agentCertFingerprint);
  assert.equal(t.employee.employee_id, 'e100');
  const texts = t.legs.flatMap((l) => l.messages).filter((m) => m.message.type === 'text').map((m) => m.message.text);
  assert.ok(texts.includes(FIRST), JSON.stringify(texts));
  assert.ok(texts.includes(ASKS), JSON.stringify(texts));
  const kinds = t.legs.flatMap((l) => l.messages).map((m) => m.message);
  assert.ok(kinds.some((m) => m.type === 'sas_result' && m.matched === true), 'the matched code is in the transcript');
  assert.ok(kinds.some((m) => m.type === 'close' && m.summary === SUMMARY), 'the summary is in the transcript');
});
