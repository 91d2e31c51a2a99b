// The real app under Xvfb, driven through tauri-driver and WebKitWebDriver.
// Run through tests/e2e/run, which provides the display, the D-Bus session, a notification
// daemon, a D-Bus monitor and tauri-driver.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { WebDriver } from './lib/webdriver.mjs';
import { waitForNotification } from './lib/desktop.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = process.env.VERITY_BIN;
const CTL = process.env.VERITYCTL_BIN;
const DATA_DIR = process.env.VERITY_DATA_DIR;
const SHOTS = process.env.VERITY_SCREENSHOTS;
const locale = (lang) => JSON.parse(readFileSync(join(ROOT, 'locales', lang, 'app.json'), 'utf8'));

const wd = new WebDriver();

function ctlStatus() {
  return JSON.parse(execFileSync(CTL, ['status', '--json', '--data-dir', DATA_DIR], { encoding: 'utf8' }));
}

async function go(screen) {
  await wd.click(await wd.waitFor(`nav a[href$="${screen}"]`));
  await wd.until(`${screen} to be current`, async () => (await wd.attribute(await wd.find(`nav a[href$="${screen}"]`), 'aria-current')) === 'page');
}

// WebKitWebDriver's screenshot command hangs under Xvfb: capture the X window instead.
async function shot(name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await new Promise((r) => setTimeout(r, 400)); // let transitions settle
  const tree = execFileSync('xwininfo', ['-root', '-tree'], { encoding: 'utf8' });
  const line = tree.split('\n').find((l) => l.includes('"Verity"'));
  assert.ok(line, 'the Verity window exists');
  const id = line.trim().split(/\s+/)[0];
  execFileSync('/usr/bin/import', ['-window', id, join(SHOTS, name)]);
}

before(async () => {
  assert.ok(BIN && CTL && DATA_DIR, 'VERITY_BIN, VERITYCTL_BIN and VERITY_DATA_DIR must be set');
  await wd.start(BIN);
  await wd.waitFor('main h1', 20000);
});

after(async () => {
  await wd.stop();
});

test('Home shows the data directory and schema version read from the Rust backend', async () => {
  await go('home');
  const dir = await wd.until('the data dir', async () => wd.text(await wd.find('main .path')));
  assert.equal(dir, DATA_DIR);
  // The same store, read by verityctl at the same time as the app holds it open.
  const status = ctlStatus();
  const schema = await wd.text(await wd.find('main dl div:nth-of-type(3) dd'));
  assert.equal(Number(schema), status.schema_version);
  await shot('home-en.png');
});

test('every screen is reachable from the navigation', async () => {
  for (const screen of ['check', 'support', 'checklist', 'settings', 'home']) {
    await go(screen);
    const h1 = await wd.text(await wd.find('main h1'));
    assert.ok(h1.length > 0, `${screen} has a heading`);
  }
});

test('switching to Arabic lays the page out right to left and persists in the store', async () => {
  await go('settings');
  await wd.click(await wd.find('#language'));
  await wd.click(await wd.find('#language option[value="ar"]'));
  await wd.until('dir=rtl', async () => (await wd.execute('return document.documentElement.dir')) === 'rtl');
  assert.equal(await wd.execute('return document.documentElement.lang'), 'ar');
  const h1 = await wd.text(await wd.find('main h1'));
  assert.match(h1, /[\u0600-\u06FF]/, `the heading is in Arabic: ${h1}`);
  assert.equal(ctlStatus().settings.language, 'ar');
  await go('home');
  await wd.until('the data dir', async () => wd.text(await wd.find('main .path')));
  await shot('home-ar.png');
});

test('a test alert reaches the desktop notification service, in the chosen language', async () => {
  await go('home');
  const button = await wd.find('section[aria-labelledby="alerts-title"] button');
  await wd.click(button);
  await waitForNotification(locale('ar')['notification.test.title']);
});

test('back to English', async () => {
  await go('settings');
  await wd.click(await wd.find('#language'));
  await wd.click(await wd.find('#language option[value="en"]'));
  await wd.until('dir=ltr', async () => (await wd.execute('return document.documentElement.dir')) === 'ltr');
  assert.equal(ctlStatus().settings.language, 'en');
});
