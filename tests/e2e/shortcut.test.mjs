// The global "Check clipboard" shortcut in the real app: a key press sent through XTEST (as a
// keyboard would), the verdict notification observed on D-Bus, and the shortcut changed in
// Settings. On X11 the shortcut is a passive key grab on the root window, so "another program
// holds these keys" is made real with tests/e2e/lib/grab-key.py.
// Run through tests/e2e/run (display, D-Bus session, notification daemon, tauri-driver).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { WebDriver } from './lib/webdriver.mjs';
import { holdKeys, notificationMark, pressKeys, setClipboard, waitForNotification } from './lib/desktop.mjs';

const BIN = process.env.VERITY_BIN;
const read = (file) => JSON.parse(readFileSync(new URL(`../../locales/en/${file}.json`, import.meta.url), 'utf8'));
const en = { ...read('app'), ...read('check') };
const DEFAULT = 'CmdOrCtrl+Alt+K';
const OTHER = 'CmdOrCtrl+Shift+J';

const wd = new WebDriver();
// Rendered text without the bidi isolates the UI puts around a shortcut.
const plain = (s) => s.replace(/[\u2066-\u2069]/g, '');

/**
 * Puts `text` on the clipboard, presses `keys`, and waits for the verdict notification, which
 * names `shown` (a number appears normalised).
 */
async function checkWithKeys(keys, text, verdict, shown = text) {
  await setClipboard(text);
  const mark = notificationMark();
  await pressKeys(keys);
  await waitForNotification(`${en[`verdict.${verdict}`]}: ${shown}`, 15000, mark);
}

/** Types `shortcut` into Settings and saves it; returns the error text, or null when saved. */
async function saveShortcut(shortcut) {
  const input = await wd.waitFor('#check-shortcut');
  await wd.clear(input);
  await wd.type(input, shortcut);
  await wd.click(await wd.find('#check-shortcut ~ button[type="submit"]'));
  return wd.until(`the shortcut ${shortcut} to be saved or refused`, async () => {
    const status = await wd.text(await wd.find('#check-shortcut-hint ~ p[role="status"]'));
    if (status === en['settings.shortcut.saved']) return { error: null };
    const errors = await wd.findAll('#check-shortcut-error [role="alert"]');
    if (errors.length > 0) return { error: plain(await wd.text(errors[0])) };
    return null;
  }, 15000).then((r) => r.error);
}

before(async () => {
  assert.ok(BIN, 'VERITY_BIN must be set');
  await wd.start(BIN);
  await wd.waitFor('main h1', 20000);
  await wd.click(await wd.waitFor('nav a[href$="settings"]'));
  await wd.waitFor('#check-shortcut');
});

after(async () => {
  await wd.stop();
});

test('the default shortcut checks the clipboard and answers with a notification', async () => {
  const input = await wd.waitFor('#check-shortcut');
  assert.equal(await wd.attribute(input, 'value'), DEFAULT);
  // Verity holds Ctrl+Alt+K on the display: another program cannot grab it.
  const other = await holdKeys('k', 'control', 'mod1');
  await other.stop();
  assert.equal(other.held, false, 'Verity should hold Ctrl+Alt+K');

  await checkWithKeys('ctrl+alt+k', 'Call DingTalk support on +852 3001 2345 now', 'scam');
});

test('a shortcut changed in Settings works at once, and the old one is released', async () => {
  assert.equal(await saveShortcut(OTHER), null);
  await checkWithKeys('ctrl+shift+j', 'http://dingtalk-hk.com/login', 'suspicious');

  // The old combination is free again: another program can grab it, and a key press reaches
  // that program (an X passive grab delivers the press to one client only).
  const other = await holdKeys('k', 'control', 'mod1');
  try {
    assert.equal(other.held, true, 'Verity should have released Ctrl+Alt+K');
    await pressKeys('ctrl+alt+k');
    await other.waitFor('press');
  } finally {
    await other.stop();
  }
});

test('Settings explains a shortcut another program holds, and keeps the current one', async () => {
  // Another program takes Ctrl+Alt+K; asking Verity for it is refused in words.
  const other = await holdKeys('k', 'control', 'mod1');
  try {
    assert.equal(other.held, true);
    const error = await saveShortcut(DEFAULT);
    assert.ok(error, 'the refusal is shown');
    assert.ok(error.includes(en['settings.saveError']), error);
    assert.ok(error.includes(en['settings.shortcut.refused'].replace('{shortcut}', DEFAULT)), error);
    const input = await wd.find('#check-shortcut');
    assert.equal(await wd.attribute(input, 'aria-invalid'), 'true');
  } finally {
    await other.stop();
  }
  // Nothing changed: the shortcut in force still answers.
  await checkWithKeys('ctrl+shift+j', 'Urgent: call DingTalk at +852 3001 2345', 'scam');
});

test('Settings explains a shortcut that is not one, and keeps the current one', async () => {
  const error = await saveShortcut('Ctrl+Banana');
  assert.ok(error, 'the error is shown');
  assert.ok(error.includes(en['settings.shortcut.invalid'].replace('{shortcut}', 'Ctrl+Banana')), error);
  await checkWithKeys('ctrl+shift+j', 'Verify at http://dingtalk-hk.com/login', 'suspicious');
});

test('back to the default shortcut', async () => {
  assert.equal(await saveShortcut(DEFAULT), null);
  await checkWithKeys('ctrl+alt+k', 'DingTalk support +852 3001 2345', 'scam');
  const other = await holdKeys('j', 'control', 'shift');
  await other.stop();
  assert.equal(other.held, true, 'Verity should have released Ctrl+Shift+J');
});

test('a clipboard check shows at once in an open Recent checks list; a copied code is not kept', async () => {
  await wd.click(await wd.waitFor('nav a[href$="check"]'));
  const rows = 'main section[aria-labelledby="history-title"] li [data-history-verdict]';
  const items = () => wd.execute(`return [...document.querySelectorAll('${rows}')].map((r) => r.querySelector('.items').textContent)`);
  await wd.waitFor('main section[aria-labelledby="history-title"]');
  await checkWithKeys('ctrl+alt+k', 'http://dingtalk-hk.com/verify', 'suspicious');
  // No navigation, no reload: the backend's history-changed event brings the row in.
  await wd.until('the clipboard check at the top of Recent checks', async () => (await items())[0] === 'http://dingtalk-hk.com/verify', 15000);
  const count = (await items()).length;
  // A one-time code copied from a text message (8 digits read as a valid Hong Kong mobile
  // number) is checked, but not kept.
  await checkWithKeys('ctrl+alt+k', '63928104', 'no_record', '+85263928104');
  // A check that is kept comes after it: once it shows, the code's turn has passed.
  await checkWithKeys('ctrl+alt+k', 'http://dingtalk-hk.com/reset', 'suspicious');
  await wd.until('the next clipboard check at the top', async () => (await items())[0] === 'http://dingtalk-hk.com/reset', 15000);
  const after = await items();
  assert.equal(after.length, count + 1, `history: ${JSON.stringify(after)}`);
  assert.ok(!after.some((i) => i.includes('63928104')), JSON.stringify(after));
});

test('a saved shortcut another program took before Verity started is shown as not working', async () => {
  // The saved shortcut is the default (see "back to the default shortcut"). Another program
  // takes those keys while Verity is closed.
  await wd.stop();
  const other = await holdKeys('k', 'control', 'mod1');
  try {
    assert.equal(other.held, true, 'the other program should hold Ctrl+Alt+K');
    await wd.start(BIN);
    await wd.waitFor('main h1', 20000);
    await wd.click(await wd.waitFor('nav a[href$="settings"]'));
    const notice = await wd.waitFor('#check-shortcut-idle [role="alert"]', 15000);
    const text = plain(await wd.text(notice));
    assert.ok(text.includes(en['settings.shortcut.idleTitle']), text);
    assert.ok(text.includes(en['settings.shortcut.idle'].replace('{shortcut}', DEFAULT)), text);
    assert.equal(await wd.attribute(await wd.find('#check-shortcut'), 'aria-invalid'), 'true');
    // Saving another combination puts it in force, and the notice goes.
    assert.equal(await saveShortcut(OTHER), null);
    assert.equal((await wd.findAll('#check-shortcut-idle')).length, 0);
    await checkWithKeys('ctrl+shift+j', 'http://dingtalk-hk.com/login', 'suspicious');
  } finally {
    await other.stop();
  }
  assert.equal(await saveShortcut(DEFAULT), null);
});
