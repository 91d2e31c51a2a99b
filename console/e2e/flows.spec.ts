import { expect, test } from '@playwright/test';
import { devices, feed, HOSTILE_SHOWN, oplog, opLeafHash, OPS } from '../src/test-fixtures';
import { openConsole, unexpectedErrors } from './mock-desk';

const refusal = (status: number, code: string, extra: Record<string, unknown> = {}) => ({
  status,
  body: { code, message: `${code} (English)`, ...extra },
});

test('feed: publish now, after a confirmation', async ({ page }) => {
  const record = await openConsole(page, {}, '#/feed');
  await expect(page.getByText('41', { exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Publish now' }).click();
  const dialog = page.getByRole('dialog', { name: 'Publish now' });
  await expect(dialog).toContainText('Publish version 42 with 3 new entries to every device?');
  await dialog.getByRole('button', { name: 'Publish now' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Published version 42' })).toBeVisible();
  const publish = record.requests.find((r) => r.path === '/feed/publish');
  expect(publish?.headers['x-verity-csrf']).toBe('csrf-e2e');
  expect(unexpectedErrors(record)).toEqual([]);
});

test('a sensitive action asks to re-authenticate, then is retried once', async ({ page }) => {
  const record = await openConsole(
    page,
    {
      answers: {
        'POST /feed/publish': [
          refusal(403, 'reauth_required'),
          { status: 200, body: { version: 42, added: 2, entries: 120 } },
        ],
      },
    },
    '#/feed',
  );
  await page.getByRole('button', { name: 'Publish now' }).click();
  await page
    .getByRole('dialog', { name: 'Publish now' })
    .getByRole('button', { name: 'Publish now' })
    .click();
  const reauth = page.getByRole('dialog', { name: 'Confirm it is you' });
  await reauth.getByLabel('Passphrase').fill('correct horse battery');
  await reauth.getByLabel('6-digit code from your authenticator app').fill('111222');
  await reauth.getByRole('button', { name: 'Confirm', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Published version 42' })).toBeVisible();
  expect(record.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual([
    '/feed/publish',
    '/reauth',
    '/feed/publish',
  ]);
  expect(unexpectedErrors(record, [403])).toEqual([]);
});

test('devices: search, open, revoke with a reason the desk checks', async ({ page }) => {
  const record = await openConsole(
    page,
    {
      answers: {
        'POST /devices/a3f09c1d7e5b/revoke': [
          refusal(400, 'invalid_input', { field: 'reason' }),
          {
            status: 200,
            body: { ...devices()[0], revoked_at: 1_796_000_000, revoke_reason: 'Laptop stolen' },
          },
        ],
      },
    },
    '#/devices',
  );
  // An employee name is hostile text too: shown, inert.
  await expect(page.getByText(HOSTILE_SHOWN)).toBeVisible();
  expect(await page.locator('main img').count()).toBe(0);
  expect(await page.evaluate(() => 'pwned' in window)).toBe(false);
  await page.getByLabel('Search by employee, name or device id').fill('E10');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect.poll(() => record.requests.at(-1)?.path).toBe('/devices?q=E10');

  await page.getByRole('button', { name: 'Open device CTM-LAPTOP — Chan Tai Man' }).click();
  const drawer = page.getByRole('dialog', { name: 'Device' });
  await expect(drawer).toContainText('Windows 11 23H2');
  await expect(drawer).toContainText('1.4.2');
  await expect(drawer).toContainText('He said he was from Microsoft');
  await drawer.getByRole('button', { name: 'Revoke device' }).click();
  const confirm = page.getByRole('dialog', { name: 'Revoke device' });
  const reason = confirm.getByLabel('Reason (required)');
  await confirm.getByRole('button', { name: 'Revoke device' }).click();
  await expect(reason).toHaveAccessibleDescription('Give a reason (1 to 500 characters).');
  await reason.fill('x');
  await confirm.getByRole('button', { name: 'Revoke device' }).click();
  await expect(reason).toHaveAttribute('aria-invalid', 'true');
  await reason.fill('Laptop stolen, reported to IT on Monday');
  await confirm.getByRole('button', { name: 'Revoke device' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'The device was revoked.' }),
  ).toBeVisible();
  const revokes = record.requests.filter((r) => r.path === '/devices/a3f09c1d7e5b/revoke');
  expect(revokes.map((r) => r.body)).toEqual([
    { reason: 'x' },
    { reason: 'Laptop stolen, reported to IT on Monday' },
  ]);
  expect(unexpectedErrors(record, [400])).toEqual([]);
});

test('devices: reset two-factor after a confirmation', async ({ page }) => {
  const record = await openConsole(page, {}, '#/devices');
  await page.getByRole('button', { name: 'Open device CTM-LAPTOP — Chan Tai Man' }).click();
  await page.getByRole('button', { name: 'Reset two-factor' }).click();
  const confirm = page.getByRole('dialog', { name: 'Reset two-factor' });
  await confirm.getByRole('button', { name: 'Reset two-factor' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Two-factor was reset.' })).toBeVisible();
  expect(record.requests.some((r) => r.path === '/devices/a3f09c1d7e5b/reset-totp')).toBe(true);
});

test('codes: issue a code and get a printable card; revoke another', async ({ page }) => {
  const record = await openConsole(page, {}, '#/codes');
  await page.getByRole('button', { name: 'Issue a code' }).click();
  const dialog = page.getByRole('dialog', { name: 'Issue a code' });
  await dialog.getByLabel('Employee id').fill('E3003');
  await dialog.getByLabel('Employee name').fill('Lam Mei Ling');
  await dialog.getByLabel('Team (optional)').fill('Hong Kong desk');
  const validity = dialog.getByLabel('Valid for');
  await expect(validity).toHaveValue('72h');
  await validity.fill('2w');
  await dialog.getByRole('button', { name: 'Issue a code' }).click();
  await expect(validity).toHaveAccessibleDescription(/Hours or days.*Write a number/);
  expect(record.requests.some((r) => r.path === '/codes' && r.method === 'POST')).toBe(false);
  await validity.fill('7d');
  await dialog.getByRole('button', { name: 'Issue a code' }).click();
  const card = page.getByRole('article', { name: 'Verity enrolment' });
  await expect(card).toContainText('For Lam Mei Ling (E3003)');
  await expect(card.getByText('K7QF-2M9X-PL4D', { exact: true })).toBeVisible();
  await expect(card.getByRole('img', { name: 'QR code of the enrolment link' })).toBeVisible();
  await expect(card.getByRole('button', { name: 'Print' })).toBeVisible();
  expect(record.requests.find((r) => r.path === '/codes' && r.method === 'POST')?.body).toEqual({
    employee: 'E3003',
    name: 'Lam Mei Ling',
    ttl: '7d',
    team: 'Hong Kong desk',
  });

  await page.emulateMedia({ media: 'print' });
  await expect(card.getByRole('button', { name: 'Print' })).toBeHidden();
  await expect(page.getByRole('navigation')).toBeHidden();
  await page.emulateMedia({ media: 'screen' });

  await card.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('cell', { name: 'Lee Ka Yan', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Revoke: Lee Ka Yan (E3001)' }).click();
  const confirm = page.getByRole('dialog', { name: 'Revoke' });
  await confirm.getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The code was revoked.' })).toBeVisible();
  expect(record.requests.some((r) => r.path === '/codes/c0de01/revoke')).toBe(true);
});

test('agents: issue an agent code with a profile (role chosen with the keyboard); revoke another', async ({
  page,
}) => {
  const record = await openConsole(page, {}, '#/agents');
  await expect(page.getByRole('cell', { name: 'Wong Siu Ming', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Issue an agent code' }).focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Issue an agent code' });
  await dialog.getByLabel('Name').focus();
  await page.keyboard.type('Lau Ka Wai');
  await page.keyboard.press('Tab');
  await page.keyboard.press('ArrowDown');
  await dialog.getByLabel('Team').fill('Hong Kong desk');
  await dialog.getByLabel('Languages').fill('zh-HK, en');
  await dialog.getByLabel('Regions').fill('HK, MO');
  await dialog.getByLabel('Skills').fill('billing, account');
  await dialog.getByLabel('Capacity').fill('12');
  await dialog.getByLabel('Valid for').fill('7d');
  await dialog.getByLabel('Valid for').press('Enter');
  const card = page.getByRole('article', { name: 'Verity support agent enrolment' });
  await expect(card).toContainText('For Lau Ka Wai');
  await expect(card.getByRole('img', { name: 'QR code of the enrolment link' })).toBeVisible();
  expect(record.requests.find((r) => r.path === '/agents' && r.method === 'POST')?.body).toEqual({
    profile: {
      name: 'Lau Ka Wai',
      role: 'supervisor',
      team: 'Hong Kong desk',
      languages: ['zh-HK', 'en'],
      regions: ['HK', 'MO'],
      skills: ['billing', 'account'],
      capacity: 12,
    },
    ttl: '7d',
  });
  await card.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('button', { name: 'Revoke agent: Wong Siu Ming' }).click();
  const confirm = page.getByRole('dialog', { name: 'Revoke agent' });
  await confirm.getByLabel('Reason (required)').fill('Moved team');
  await confirm.getByRole('button', { name: 'Revoke agent' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'The agent was revoked.' }),
  ).toBeVisible();
  expect(record.requests.find((r) => r.path === '/agents/ag01/revoke')?.body).toEqual({
    reason: 'Moved team',
  });
  expect(unexpectedErrors(record)).toEqual([]);
});

test('region policy: a field error from the desk, save, then remove', async ({ page }) => {
  const record = await openConsole(
    page,
    {
      answers: {
        'PUT /policy': [
          { status: 400, body: { code: 'invalid_input', message: 'bad', field: 'regions' } },
          { status: 200, body: { regions: ['HK'], cidrs: [], updated_at: 1_796_000_000 } },
          { status: 200, body: null },
        ],
      },
    },
    '#/policy',
  );
  const regions = page.getByLabel('Allowed regions');
  await expect(regions).toHaveValue('HK, MO');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(regions).toHaveAttribute('aria-invalid', 'true');
  await regions.fill('HK');
  await page.getByLabel('Allowed address ranges').fill('');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The policy was saved.' })).toBeVisible();
  await page.getByRole('button', { name: 'Remove the policy' }).click();
  const confirm = page.getByRole('dialog', { name: 'Remove the policy' });
  await confirm.getByRole('button', { name: 'Remove the policy' }).click();
  await expect(page.getByText(/No policy is set/)).toBeVisible();
  const puts = record.requests.filter((r) => r.method === 'PUT');
  expect(puts.map((r) => r.body)).toEqual([
    { regions: ['HK', 'MO'], cidrs: ['10.0.0.0/8', '2001:db8::/32'] },
    { regions: ['HK'], cidrs: [] },
    { regions: [], cidrs: [] },
  ]);
  expect(unexpectedErrors(record, [400])).toEqual([]);
});

test('reports: upholding an appeal sends the allowlist name', async ({ page }) => {
  const record = await openConsole(
    page,
    { answers: { 'POST /reports/13/confirm': { status: 200, body: {} } } },
    '#/reports',
  );
  await page.getByRole('button', { name: 'Open report of https://bank.example/login' }).click();
  const drawer = page.getByRole('dialog', { name: 'Reported item' });
  await drawer.getByLabel('Name for the allowlist (who it is)').fill('Bank of Example sign-in');
  await drawer.getByLabel('Why you confirm it (required, up to 500 characters)').fill('genuine');
  await drawer.getByRole('button', { name: 'Uphold the appeal' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'The appeal was upheld.' }),
  ).toBeVisible();
  expect(record.requests.find((r) => r.path === '/reports/13/confirm')?.body).toEqual({
    category: 'fake_support',
    reason: 'genuine',
    label: 'Bank of Example sign-in',
  });
});

test('operation log: verified, range check, filters, consistency, detail, export links', async ({
  page,
}) => {
  const record = await openConsole(
    page,
    {
      answers: {
        'GET /oplog': [
          { status: 200, body: await oplog(4) },
          { status: 200, body: await oplog() },
        ],
      },
    },
    '#/oplog',
  );
  const verdict = page.getByTestId('oplog-verification');
  await expect(verdict).toHaveText(/✓ Verified up to checkpoint 4/);
  await page.getByLabel('From', { exact: true }).fill('2026-01-01');
  await page.getByLabel('To', { exact: true }).fill('2026-03-01');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page.getByRole('alert')).toHaveText(/at most 30 days/);

  await page.getByLabel('From', { exact: true }).fill('2026-11-20');
  await page.getByLabel('To', { exact: true }).fill('2026-11-29');
  await page.getByLabel('Actor').fill('alice');
  await page.getByRole('button', { name: 'Show' }).click();
  // The second answer's checkpoint (6) is checked against the one kept (4) with a proof.
  await expect(verdict).toHaveText(/✓ Verified up to checkpoint 6/);
  const paths = record.requests.map((r) => r.path);
  expect(paths.filter((p) => p.startsWith('/oplog?'))[1]).toMatch(
    /^\/oplog\?from=\d+&to=\d+&actor=alice$/,
  );
  expect(paths).toContain('/oplog/consistency?from=4');
  const href = await page.getByRole('link', { name: 'Export as CSV' }).getAttribute('href');
  expect(href).toMatch(/^\/console\/api\/oplog\/export\.csv\?from=\d+&to=\d+&actor=alice$/);
  const evidence = page.getByRole('link', { name: 'Export evidence (JSON)' });
  expect(await evidence.getAttribute('href')).toMatch(
    /^\/console\/api\/oplog\/evidence\.json\?from=\d+&to=\d+&actor=alice$/,
  );

  await page.getByRole('button', { name: 'Open operation 4' }).click();
  const drawer = page.getByRole('dialog', { name: 'Operation 4' });
  await expect(drawer).toContainText('{"reason":"duplicate of 3"}');
  await expect(drawer).toContainText('Verified');
  await expect(drawer).toContainText(await opLeafHash(OPS[3]!));
  expect(unexpectedErrors(record)).toEqual([]);
});

test('operation log: names the entry that does not match, and warns of a changed key', async ({
  page,
}) => {
  const tampered = await oplog();
  tampered.entries[1] = { ...tampered.entries[1]!, outcome: 'refused' };
  const record = await openConsole(
    page,
    { answers: { 'GET /oplog': { status: 200, body: tampered } } },
    '#/oplog',
  );
  await expect(page.getByTestId('oplog-verification')).toHaveText(
    /✗ Entry 5 does not match the signed log/,
  );
  await expect(page.getByRole('row', { name: /Does not match/ })).toContainText('feed.publish');

  // Another key than the one pinned: a loud warning, nothing verified.
  await page.evaluate(() =>
    localStorage.setItem(
      'verity-oplog-key',
      JSON.stringify({ name: 'desk.example/verity-desk/oplog', public_key: 'AAAA' }),
    ),
  );
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page.getByRole('alert')).toContainText("the log's signing key changed");
  await expect(page.getByTestId('oplog-verification')).toHaveText(/✗/);
  expect(unexpectedErrors(record)).toEqual([]);
});

test('operation log: the CSV export re-authenticates first when needed', async ({ page }) => {
  const record = await openConsole(
    page,
    {
      answers: {
        'GET /oplog': [
          { status: 200, body: await oplog() },
          refusal(403, 'reauth_required'),
          { status: 200, body: await oplog() },
        ],
        'GET /oplog/export.csv': {
          status: 200,
          raw: {
            text: 'seq,at,actor\n1201,1796000000,alice\n',
            headers: {
              'Content-Type': 'text/csv',
              'Content-Disposition': 'attachment; filename="oplog.csv"',
            },
          },
        },
      },
    },
    '#/oplog',
  );
  await expect(page.getByText('Verified up to checkpoint 6')).toBeVisible();
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export as CSV' }).click();
  const reauth = page.getByRole('dialog', { name: 'Confirm it is you' });
  await reauth.getByLabel('Passphrase').fill('correct horse battery');
  await reauth.getByLabel('6-digit code from your authenticator app').fill('111222');
  await reauth.getByRole('button', { name: 'Confirm', exact: true }).click();
  expect((await download).suggestedFilename()).toBe('oplog.csv');
  expect(record.requests.map((r) => r.path.replace(/\?.*/, ''))).toEqual([
    '/me',
    '/oplog',
    '/oplog',
    '/reauth',
    '/oplog',
    '/oplog/export.csv',
  ]);
});

test('my account: remove a passkey, then sign out', async ({ page }) => {
  const record = await openConsole(
    page,
    { answers: { 'POST /passkey/1/remove': { status: 200, body: { passkeys: [] } } } },
    '#/account',
  );
  await page.getByRole('button', { name: 'Remove passkey YubiKey 5' }).click();
  const confirm = page.getByRole('dialog', { name: 'Remove passkey YubiKey 5' });
  await confirm.getByRole('button', { name: 'Remove passkey YubiKey 5' }).click();
  await expect(page.getByText('No passkeys yet.', { exact: false })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to the Verity console' })).toBeVisible();
  expect(record.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual([
    '/passkey/1/remove',
    '/signout',
  ]);
});

test('after signing out and in again, re-authentication still works', async ({ page }) => {
  const record = await openConsole(
    page,
    {
      answers: {
        'POST /feed/publish': [
          refusal(403, 'reauth_required'),
          { status: 200, body: { version: 42, added: 2, entries: 120 } },
        ],
      },
    },
    '#/account',
  );
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Name', { exact: true }).fill('alice');
  await page.getByLabel('Passphrase').fill('correct horse battery');
  await page.getByLabel('6-digit code from your authenticator app').fill('123456');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('link', { name: 'Feed' }).click();
  await page.getByRole('button', { name: 'Publish now' }).click();
  await page
    .getByRole('dialog', { name: 'Publish now' })
    .getByRole('button', { name: 'Publish now' })
    .click();
  await expect(page.getByRole('dialog', { name: 'Confirm it is you' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog', { name: 'Publish now' }).getByRole('alert')).toContainText(
    'Confirm it is you to continue.',
  );
  expect(record.requests.filter((r) => r.path === '/feed/publish')).toHaveLength(1);
});

test('an ended session goes back to sign-in', async ({ page }) => {
  const record = await openConsole(
    page,
    { answers: { 'GET /dashboard': refusal(401, 'unauthenticated') } },
    '#/reports',
  );
  await expect(page.getByRole('heading', { level: 1, name: 'Reports' })).toBeVisible();
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to the Verity console' })).toBeVisible();
  expect(unexpectedErrors(record, [401])).toEqual([]);
});

test('an auditor sees every screen but no action buttons', async ({ page }) => {
  await openConsole(page, { role: 'auditor' }, '#/feed');
  await expect(page.getByText('Auditor (read only)')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Waiting to be published' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Publish now' })).toHaveCount(0);
  await page.getByRole('link', { name: 'Enrolment codes' }).click();
  await expect(page.getByText('E3001')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Issue a code' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /Revoke/ })).toHaveCount(0);
  await page.getByRole('link', { name: 'Devices' }).click();
  await page.getByRole('button', { name: 'Open device CTM-LAPTOP — Chan Tai Man' }).click();
  await expect(page.getByRole('dialog')).toContainText('Windows 11');
  await expect(page.getByRole('button', { name: 'Revoke device' })).toHaveCount(0);
});

test('feed: without a publisher, Publish is off and says how to set one', async ({ page }) => {
  const record = await openConsole(
    page,
    { answers: { 'GET /feed': { status: 200, body: { ...feed(), publisher: false } } } },
    '#/feed',
  );
  await expect(page.getByText('This desk does not publish the feed yet')).toBeVisible();
  await expect(page.getByText('verity-desk feed publisher --repo … --keys …')).toBeVisible();
  const publish = page.getByRole('button', { name: 'Publish now' });
  await expect(publish).toBeDisabled();
  await expect(publish).toHaveAccessibleDescription(/does not publish the feed yet/);
  // The queue shows who queued each item, and when.
  await expect(page.getByRole('row', { name: /console:alice/ })).toContainText('#11');
  // An upheld appeal waits to be allowed, with its name.
  await expect(
    page.getByRole('table', { name: 'Waiting to be allowed' }).getByRole('row', { name: /#13/ }),
  ).toContainText('Bank of Example sign-in');
  expect(unexpectedErrors(record)).toEqual([]);
});

test('feed: a refused publish (conflict) is worded and the queue is kept', async ({ page }) => {
  const record = await openConsole(
    page,
    { answers: { 'POST /feed/publish': refusal(409, 'conflict') } },
    '#/feed',
  );
  await page.getByRole('button', { name: 'Publish now' }).click();
  await page
    .getByRole('dialog', { name: 'Publish now' })
    .getByRole('button', { name: 'Publish now' })
    .click();
  await expect(page.getByRole('alert')).toContainText(
    'Nothing was published: there is no publisher, nothing is waiting, or signing failed.',
  );
  await expect(page.getByRole('dialog')).toHaveCount(0);
  expect(unexpectedErrors(record, [409])).toEqual([]);
});

test('dashboard: feed freshness, stale devices, checklist by team, sessions', async ({ page }) => {
  const record = await openConsole(page, {}, '#/dashboard');
  await expect(page.getByRole('img', { name: /Devices by feed freshness/ })).toHaveAccessibleName(
    /120 devices have the newest feed \(version 41\), 2 are behind, and 6 were never heard from/,
  );
  const stale = page.getByRole('table', { name: 'Devices behind on the feed' });
  await expect(stale.getByRole('row')).toHaveCount(3);
  await expect(stale.getByRole('row', { name: /Wong Siu Ming/ })).toContainText('38');
  await expect(stale.getByText(HOSTILE_SHOWN)).toBeVisible();
  await expect(stale.getByRole('row', { name: /E4096/ })).toContainText('Never synced');
  const teams = page.getByRole('table', { name: 'Checklist completion by team (table)' });
  await expect(teams.getByRole('row', { name: /Whole organisation/ })).toContainText('80 (63%)');
  await expect(teams.getByRole('row', { name: /Whole organisation/ })).toContainText('610 of 768');
  await expect(page.getByText('Verified support sessions are not available yet.')).toBeVisible();
  for (const [term, value] of [
    ['Enrolled devices', '128'],
    ['Open reports', '7'],
    ['Reports in the last 24 hours', '3'],
    ['Devices without two-factor yet', '5'],
  ]) {
    await expect(page.locator('.tile', { hasText: term! }).getByRole('definition')).toHaveText(
      value!,
    );
  }
  expect(await page.evaluate(() => 'pwned' in window)).toBe(false);
  expect(unexpectedErrors(record)).toEqual([]);
});
