// The desktop around the app under test: D-Bus (notifications, tray menu) and processes.

import { execFile, spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { sleep } from './webdriver.mjs';

const run = promisify(execFile);

/** Calls `gdbus` on the session bus and returns its stdout. */
export async function gdbus(...args) {
  const { stdout } = await run('gdbus', ['call', '--session', ...args], { timeout: 10000 });
  return stdout;
}

/** The lines `dbus-monitor` logged for Notify calls so far (the harness starts the monitor). */
export function notificationLog() {
  const file = process.env.VERITY_NOTIFY_LOG;
  if (!file || !existsSync(file)) throw new Error('VERITY_NOTIFY_LOG is not set: run through tests/e2e/run');
  return readFileSync(file, 'utf8');
}

/** A position in the notification log: pass it to `waitForNotification` to look only after it. */
export function notificationMark() {
  return notificationLog().length;
}

/** Waits until the notification log (from `since`, a `notificationMark()`) contains `needle`. */
export async function waitForNotification(needle, timeoutMs = 10000, since = 0) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (notificationLog().slice(since).includes(needle)) return;
    await sleep(100);
  }
  throw new Error(`no notification containing ${JSON.stringify(needle)}; log:\n${notificationLog().slice(since).slice(-2000)}`);
}

/**
 * Puts `text` on the CLIPBOARD selection and waits until the X server hands it out. xclip takes
 * the selection in a background process: without the wait, a check started at once may still
 * read the previous owner's text, or nothing ("Verity could not read the clipboard").
 */
export async function setClipboard(text, timeoutMs = 10000) {
  // stdout ignored: the background xclip must not hold a pipe of ours open.
  const child = spawn('xclip', ['-selection', 'clipboard', '-i'], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  child.stdin.end(text);
  child.unref();
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const now = await run('xclip', ['-selection', 'clipboard', '-o'], { timeout: 5000 }).then((r) => r.stdout, () => null);
    if (now === text) return;
    await sleep(50);
  }
  throw new Error(`the clipboard did not take ${JSON.stringify(text)}`);
}

/** Presses a key combination as a user would, through XTEST (`xdotool key ctrl+alt+k`). */
export async function pressKeys(combo) {
  await run('xdotool', ['key', '--clearmodifiers', combo], { timeout: 5000 });
}

/**
 * Another program grabbing a key combination on the display (tests/e2e/lib/grab-key.py).
 * Resolves with `{ held, lines, waitFor(prefix), stop() }`: `held` false when the combination was
 * already taken (the X server refused the grab), `lines` what the program received.
 */
export async function holdKeys(keysym, ...mods) {
  const script = new URL('./grab-key.py', import.meta.url).pathname;
  const child = spawn('python3', [script, keysym, ...mods], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  let stderr = '';
  let buffered = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', (d) => {
    buffered += d;
    const parts = buffered.split('\n');
    buffered = parts.pop();
    lines.push(...parts);
  });
  // 'close': the program ended and all it printed has been read.
  let closed = false;
  const ended = new Promise((resolve) => child.on('close', () => resolve((closed = true))));
  // Waits for a line that starts with `prefix` ("press").
  const waitFor = async (prefix, timeoutMs = 10000) => {
    const seen = () => lines.some((l) => l.startsWith(prefix));
    const end = Date.now() + timeoutMs;
    while (!seen() && !closed && Date.now() < end) await sleep(50);
    if (seen()) return;
    throw new Error(`grab-key.py printed no ${JSON.stringify(prefix)} line; it printed ${JSON.stringify(lines)}; stderr: ${stderr}`);
  };
  const end = Date.now() + 10000;
  while (lines.length === 0 && !closed && Date.now() < end) await sleep(50);
  if (lines[0] !== 'grabbed' && lines[0] !== 'taken') {
    child.kill();
    throw new Error(`grab-key.py ${keysym} ${mods.join(' ')} failed: ${JSON.stringify(lines)} ${stderr}`);
  }
  return {
    held: lines[0] === 'grabbed',
    lines,
    waitFor,
    async stop() {
      if (!closed) child.kill();
      await ended;
    },
  };
}

/** Every name on the session bus. */
export async function busNames() {
  const out = await gdbus('--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus', '--method', 'org.freedesktop.DBus.ListNames');
  return [...out.matchAll(/'([^']+)'/g)].map((m) => m[1]);
}

/** The unique bus name owned by process `pid`. */
export async function busNamesOfPid(pid) {
  const names = [];
  for (const name of await busNames()) {
    if (!name.startsWith(':')) continue;
    try {
      const out = await gdbus('--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus', '--method', 'org.freedesktop.DBus.GetConnectionUnixProcessID', name);
      if (Number(/uint32 (\d+)/.exec(out)?.[1]) === pid) names.push(name);
    } catch {
      // the connection went away meanwhile
    }
  }
  return names;
}

/** Object paths under `path` on `dest`, found by introspection, depth first. */
export async function objectPaths(dest, path = '/') {
  const out = await run('gdbus', ['introspect', '--session', '--dest', dest, '--object-path', path, '--xml'], { timeout: 10000 }).then((r) => r.stdout).catch(() => '');
  const found = [{ path, xml: out }];
  for (const m of out.matchAll(/<node name="([^"]+)"/g)) {
    const child = path === '/' ? `/${m[1]}` : `${path}/${m[1]}`;
    found.push(...(await objectPaths(dest, child)));
  }
  return found;
}

/**
 * Finds the tray's dbusmenu exported by process `pid` and returns `{ dest, path }`.
 * libayatana-appindicator publishes the StatusNotifierItem and its menu on the session bus even
 * when no tray host is running.
 */
export async function findTrayMenu(pid, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    for (const dest of await busNamesOfPid(pid)) {
      for (const { path, xml } of await objectPaths(dest)) {
        if (xml.includes('com.canonical.dbusmenu')) return { dest, path };
      }
    }
    await sleep(250);
  }
  throw new Error(`process ${pid} published no dbusmenu on the session bus`);
}

/** The labels and ids of the tray menu's top-level items. */
export async function trayMenuItems({ dest, path }) {
  const out = await gdbus('--dest', dest, '--object-path', path, '--method', 'com.canonical.dbusmenu.GetLayout', '--', '0', '-1', '[]');
  const items = [];
  // Each child looks like <(ID, {'label': <'Open Verity'>, ...}, [])>
  for (const m of out.matchAll(/<\((\d+), \{([^}]*)\}/g)) {
    const label = /'label': <'([^']*)'>/.exec(m[2])?.[1];
    const type = /'type': <'([^']*)'>/.exec(m[2])?.[1];
    if (label !== undefined || type === undefined) items.push({ id: Number(m[1]), label, type });
  }
  return items;
}

/** Clicks tray menu item `id`, as a tray host would. */
export async function clickTrayItem({ dest, path }, id) {
  await gdbus('--dest', dest, '--object-path', path, '--method', 'com.canonical.dbusmenu.Event', '--', String(id), 'clicked', '<0>', '0');
}

/** Starts the app binary directly (not through WebDriver). */
export function launch(bin, args = [], env = {}) {
  const child = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.output = '';
  child.stdout.on('data', (d) => (child.output += d));
  child.stderr.on('data', (d) => (child.output += d));
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return child;
}

/** Resolves with the exit status, or rejects after `timeoutMs`. */
export async function waitExit(child, timeoutMs = 10000) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`process ${child.pid} did not exit; output:\n${child.output}`)), timeoutMs);
  });
  try {
    return await Promise.race([child.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether an X window titled `title` is mapped (visible) on the display. `xwininfo` fails
 * (BadWindow, BadDrawable) when any window on the display closes while it walks the tree (a
 * notification popup, a clipboard owner exiting): the walk is tried again, up to five times.
 */
export async function windowVisible(title) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const { stdout } = await run('xwininfo', ['-root', '-tree'], { timeout: 5000 });
      const line = stdout.split('\n').find((l) => l.includes(`"${title}"`));
      if (!line) return false;
      const id = line.trim().split(/\s+/)[0];
      const info = await run('xwininfo', ['-id', id], { timeout: 5000 }).then((r) => r.stdout);
      return /Map State: IsViewable/.test(info);
    } catch (e) {
      if (attempt >= 5) throw e;
      await sleep(100);
    }
  }
}

// ---- Native windows (GTK dialogs) through xdotool: what a user's keyboard does ------------------

function exactTitle(title) {
  return `^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
}

/** The ids of the visible X windows titled exactly `title`. */
export async function windowsTitled(title) {
  const { stdout } = await run('xdotool', ['search', '--onlyvisible', '--name', exactTitle(title)], { timeout: 5000 }).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter(Boolean);
}

/** Waits until a window titled `title` is visible and returns its id. */
export async function waitForWindow(title, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const [id] = await windowsTitled(title);
    if (id) return id;
    await sleep(100);
  }
  throw new Error(`no window titled ${JSON.stringify(title)} appeared`);
}

/** Waits until no window titled `title` is visible. */
export async function waitForWindowGone(title, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if ((await windowsTitled(title)).length === 0) return;
    await sleep(100);
  }
  throw new Error(`the window titled ${JSON.stringify(title)} stayed open`);
}

/** Gives window `id` the keyboard focus, then presses `keys` (xdotool names: `ctrl+a`, `Return`). */
export async function pressKeysIn(id, ...keys) {
  await run('xdotool', ['windowfocus', '--sync', id], { timeout: 5000 });
  await run('xdotool', ['key', '--clearmodifiers', ...keys], { timeout: 5000 });
}

/** Gives window `id` the keyboard focus, then types `text` as a user would. */
export async function typeInto(id, text) {
  await run('xdotool', ['windowfocus', '--sync', id], { timeout: 5000 });
  await run('xdotool', ['type', '--clearmodifiers', '--delay', '10', text], { timeout: 30000 });
}
