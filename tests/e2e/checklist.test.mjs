// The security checklist (issue 5) in the real app: the daily reminder (off, then on, then
// clicked), all five steps completed through the UI, then the report saved through the real GTK
// Save dialog, driven with xdotool as a user's keyboard would (a typed path, the suggestion in
// Downloads, a cancel). Run through tests/e2e/run.
//
// A step due again: the app runs on the real clock, so `verityctl` records step 4 under
// libfaketime (package `faketime`) 100 days in the past, with a drill date 10 days ago: a real
// record in the real audit chain, due today. The reminder's decisions are logged at info level
// (tests/e2e/run sets RUST_LOG for `verity_app::reminder`), and the app's log reaches
// tauri-driver's log: "no reminder" is asserted after the app logged its decision, not after a
// delay.
//
// Step 1's files: WebKitWebDriver cannot set a file input from a path, so the test drops a File
// built in the page (`execute`) on the scan drop zone: the same `drop` handler a user's drag
// reaches, with a File made from the fixture's bytes. Nothing in the app is test-only.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { WebDriver } from './lib/webdriver.mjs';
import { waitForNotification, notificationLog, pressKeysIn, typeInto, waitForWindow, waitForWindowGone } from './lib/desktop.mjs';

const REMINDER = 'Verity: a security step is due again';
const SAVE_DIALOG = 'Save the checklist report';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = process.env.VERITY_BIN;
const CTL = process.env.VERITYCTL_BIN;
const DATA_DIR = process.env.VERITY_DATA_DIR;
const FIXTURE = join(ROOT, 'crates/verity-scan/tests/fixtures/ios.vcf');

const wd = new WebDriver();

async function go(screen) {
  await wd.click(await wd.waitFor(`nav a[href$="${screen}"]`));
  await wd.until(`${screen} to be current`, async () => (await wd.attribute(await wd.find(`nav a[href$="${screen}"]`), 'aria-current')) === 'page');
}

async function stepStatus(step) {
  return wd.attribute(await wd.waitFor(`li[data-step="${step}"]`), 'data-status');
}

async function openStep(step) {
  await wd.click(await wd.waitFor(`[data-testid="open-${step}"]`));
  await wd.waitFor('[data-testid="step-back"]');
}

async function backAndExpectDone(step) {
  await wd.click(await wd.find('[data-testid="step-back"]'));
  await wd.until(`${step} done`, async () => (await stepStatus(step)) === 'done');
}

/** The app's log as tauri-driver captured it (the harness writes it next to the D-Bus log). */
function appLog() {
  const file = `${process.env.VERITY_NOTIFY_LOG}.driver`;
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

function count(haystack, needle) {
  return haystack.split(needle).length - 1;
}

/** Records step 4 (drill owner) 100 days ago with a drill date 10 days ago: due again today. */
function recordDrillLongAgo() {
  const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
  try {
    execFileSync('faketime', ['-f', '-100d', CTL, '--data-dir', DATA_DIR, 'checklist', 'drill-owner', '--name', 'Ada Lau', '--next-drill', tenDaysAgo], { encoding: 'utf8' });
  } catch (e) {
    if (e.code === 'ENOENT') throw new Error('faketime is missing: run scripts/setup (Debian package faketime)');
    throw e;
  }
}

async function switchChecked(css) {
  return wd.execute('return document.querySelector(arguments[0]).checked;', [css]);
}

async function startApp() {
  await wd.start(BIN);
  await wd.waitFor('main h1', 20000);
}

before(async () => {
  assert.ok(BIN && CTL && DATA_DIR, 'VERITY_BIN, VERITYCTL_BIN and VERITY_DATA_DIR must be set');
  await startApp();
});

after(async () => {
  await wd.stop();
});

test('checklist reminders are turned off in Settings, and stay off', async () => {
  await go('settings');
  const css = '#checklist-reminders';
  assert.equal(await switchChecked(css), true, 'on by default');
  await wd.click(await wd.waitFor(css));
  await wd.until('reminders off', async () => (await switchChecked(css)) === false);
});

test('reminders off: a step due again raises no reminder', async () => {
  await wd.stop();
  recordDrillLongAgo();
  const decisions = count(appLog(), 'checklist reminder: Off');
  await startApp();
  // The app checks at start and logs its decision: wait for it, then look at the desktop.
  await wd.until('the reminder decision', async () => count(appLog(), 'checklist reminder: Off') > decisions, 20000);
  assert.equal(count(notificationLog(), REMINDER), 0, 'no reminder on D-Bus');
  await go('settings');
  assert.equal(await switchChecked('#checklist-reminders'), false, 'the choice persisted');
});

test('reminders on: the due step is reminded on D-Bus, and a click opens the Checklist', async () => {
  // Earlier tests' notifications off the screen, so that the one dunst shows is the reminder.
  execFileSync('dunstctl', ['close-all']);
  await wd.click(await wd.find('#checklist-reminders'));
  // Turned on, the app checks at once.
  await waitForNotification(REMINDER, 20000);
  const log = notificationLog();
  const call = log.slice(log.lastIndexOf('member=Notify', log.indexOf(REMINDER)));
  assert.match(call, /Open the checklist in Verity/);
  assert.match(call, /string "default"\s+string "Open checklist"/, 'a default action');
  assert.match(call, /"urgency"\s+variant\s+byte 1/, 'normal urgency (quiet is off)');
  // Click it, as a user would: dunst invokes the default action of the notification shown.
  execFileSync('dunstctl', ['action', '0']);
  await wd.until('the Checklist screen', async () => (await wd.attribute(await wd.find('nav a[href$="checklist"]'), 'aria-current')) === 'page');
  assert.equal(await stepStatus('drill_owner'), 'due_again');
  assert.equal(count(notificationLog(), REMINDER), 1, 'once');
});

test('step 1: a dropped vCard is scanned, and a cleaned copy completes the step', async () => {
  await go('checklist');
  await openStep('remove_unofficial_numbers');
  const text = readFileSync(FIXTURE, 'latin1');
  const dropped = await wd.execute(
    `const bytes = Uint8Array.from(arguments[0], (c) => c.charCodeAt(0));
     const file = new File([bytes], 'ios.vcf', { type: 'text/vcard' });
     const ev = new Event('drop', { bubbles: true, cancelable: true });
     Object.defineProperty(ev, 'dataTransfer', { value: { files: [file] } });
     document.querySelector('[data-testid="scan-dropzone"]').dispatchEvent(ev);
     return ev.defaultPrevented;`,
    [text],
  );
  assert.equal(dropped, true, 'the drop zone handled the drop');
  const table = await wd.waitFor('[data-testid="scan-findings"]', 15000);
  assert.match(await wd.text(table), /DingTalk HK Support/);
  await wd.click(await wd.find('[data-testid="scan-save"]'));
  const copies = await wd.waitFor('[data-testid="scan-copies"]', 15000);
  const path = /\S*ios-cleaned\.vcf/.exec(await wd.text(copies))?.[0];
  assert.ok(path && existsSync(path), `the cleaned copy exists: ${path}`);
  assert.doesNotMatch(readFileSync(path, 'utf8'), /DingTalk HK Support/);
  assert.ok(existsSync(FIXTURE));
  await backAndExpectDone('remove_unofficial_numbers');
});

test('step 2: the official path is acknowledged', async () => {
  await openStep('announce_official_path');
  const drawings = await wd.findAll('svg.phone');
  assert.equal(drawings.length, 3);
  await wd.click(await wd.find('[data-testid="ack-official-path"]'));
  await backAndExpectDone('announce_official_path');
});

test('step 3: a real test alert reaches the desktop, then is confirmed', async () => {
  await openStep('alerts_on');
  const logBefore = notificationLog().length;
  await wd.click(await wd.find('[data-testid="alerts-send"]'));
  await wd.until('a Notify call', async () => notificationLog().length > logBefore);
  await waitForNotification('Verity');
  await wd.click(await wd.waitFor('[data-testid="alerts-saw"]'));
  await backAndExpectDone('alerts_on');
});

test('step 4: the drill owner is recorded and the next drill shows', async () => {
  await openStep('drill_owner');
  await wd.type(await wd.find('#drill-owner'), 'Ada Lau');
  await wd.click(await wd.find('[data-testid="drill-save"]'));
  await backAndExpectDone('drill_owner');
  const page = await wd.text(await wd.find('main'));
  assert.match(page, /\d{4}-\d{2}-\d{2}/);
});

test('step 5: the training and a passed quiz complete the checklist', async () => {
  await openStep('training');
  for (let i = 0; i < 4; i += 1) await wd.click(await wd.find('[data-testid="training-next"]'));
  await wd.click(await wd.find('[data-testid="quiz-start"]'));
  let asked = 0;
  for (;;) {
    const forms = await wd.findAll('[data-testid="quiz"]');
    if (forms.length === 0) break;
    await wd.click(await wd.find('[data-testid="quiz"] input[data-correct="true"]'));
    await wd.click(await wd.find('[data-testid="quiz-answer"]'));
    await wd.waitFor('[data-testid="quiz-verdict"]');
    await wd.click(await wd.find('[data-testid="quiz-next"]'));
    asked += 1;
    assert.ok(asked <= 50, 'the quiz ends');
  }
  assert.ok(asked >= 10, `${asked} questions`);
  await wd.waitFor('[data-testid="quiz-result"]');
  await backAndExpectDone('training');
  const progress = await wd.text(await wd.find('[data-testid="checklist-progress"]'));
  assert.match(progress, /5/);
});

test('the report is saved through the real GTK Save dialog, and the log verifies', async () => {
  // The desktop's Downloads folder, as xdg-user-dirs configures it at login.
  const downloads = join(process.env.HOME, 'Downloads');
  mkdirSync(downloads, { recursive: true });
  const userDirs = join(process.env.XDG_CONFIG_HOME, 'user-dirs.dirs');
  mkdirSync(dirname(userDirs), { recursive: true });
  writeFileSync(userDirs, 'XDG_DOWNLOAD_DIR="$HOME/Downloads"\n');
  const savedPath = async () => wd.text(await wd.find('[data-testid="export-path"] bdi'));

  // HTML: a path typed into the dialog's name field, then Return.
  const reports = mkdtempSync(join(process.env.HOME, 'reports-'));
  const target = join(reports, 'Q4 report.html');
  await wd.click(await wd.waitFor('[data-testid="export-html"]'));
  let dialog = await waitForWindow(SAVE_DIALOG);
  await pressKeysIn(dialog, 'ctrl+a');
  await typeInto(dialog, target);
  await pressKeysIn(dialog, 'Return');
  await wd.until('"saved to" the typed path', async () => (await savedPath()) === target, 15000);
  assert.match(await wd.text(await wd.find('[data-testid="export-path"]')), /^Report saved to /);
  const head = await wd.text(await wd.find('[data-testid="export-head"]'));
  assert.match(head, /^[0-9a-f]{64}$/);
  const html = readFileSync(target, 'utf8');
  assert.ok(html.includes(head));
  assert.ok(html.includes('Ada Lau'));
  assert.deepEqual(readdirSync(reports), ['Q4 report.html'], 'no temporary file left');

  // CSV: the suggestion taken as it is: Downloads, verity-checklist-report-YYYY-MM-DD.csv.
  await wd.click(await wd.find('[data-testid="export-csv"]'));
  dialog = await waitForWindow(SAVE_DIALOG);
  await pressKeysIn(dialog, 'Return');
  await wd.until('"saved to" Downloads', async () => (await savedPath()).endsWith('.csv'), 15000);
  const csvPath = await savedPath();
  assert.equal(dirname(csvPath), downloads);
  assert.match(basename(csvPath), /^verity-checklist-report-\d{4}-\d{2}-\d{2}\.csv$/);
  assert.ok(readFileSync(csvPath, 'utf8').includes(head));

  // JSON, cancelled: not an error, nothing written, nothing said.
  const before = [readdirSync(downloads), readdirSync(reports)];
  await wd.click(await wd.find('[data-testid="export-json"]'));
  dialog = await waitForWindow(SAVE_DIALOG);
  await pressKeysIn(dialog, 'Escape');
  await waitForWindowGone(SAVE_DIALOG);
  const button = await wd.find('[data-testid="export-json"]');
  await wd.until('the export to finish', async () => (await wd.attribute(button, 'aria-disabled')) === 'false');
  assert.equal(await savedPath(), csvPath, 'the last save is still the one shown');
  assert.equal((await wd.findAll('[role="alert"]')).length, 0);
  assert.deepEqual([readdirSync(downloads), readdirSync(reports)], before);

  const verify = execFileSync(CTL, ['audit', 'verify', '--data-dir', DATA_DIR], { encoding: 'utf8' });
  assert.ok(verify.length > 0);
});
