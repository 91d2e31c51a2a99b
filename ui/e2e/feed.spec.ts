import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import * as feedFixtures from '../src/lib/ipc/feed-fixtures';
import type { Freshness } from '../src/lib/ipc';
import { defaultOptions, mockRecord, openApp } from './mock-backend';

const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

async function axeViolations(page: Page): Promise<{ id: string; targets: string[] }[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_21_AA).analyze();
  return results.violations.map((v) => ({
    id: v.id,
    targets: v.nodes.map((n) => n.target.join(' ')),
  }));
}

function withFeed(language: 'en' | 'ar', freshness: Freshness = feedFixtures.freshness.fresh()) {
  const options = defaultOptions({ language });
  options.feed = { ...options.feed, status: feedFixtures.feedStatus(freshness, 3) };
  return options;
}

const LANGUAGES = [
  {
    language: 'en',
    threats: 'Threats',
    newThreats: 'New threats',
    dir: 'ltr',
    feed: 'Threat feed',
  },
  {
    language: 'ar',
    threats: 'التهديدات',
    newThreats: 'التهديدات الجديدة',
    dir: 'rtl',
    feed: 'موجز التهديدات',
  },
] as const;

for (const l of LANGUAGES) {
  test(`the Threats screen lists new threats and passes axe (${l.language})`, async ({ page }) => {
    await openApp(page, 'threats', withFeed(l.language));
    await expect(page.locator('html')).toHaveAttribute('dir', l.dir);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(l.threats);
    const table = page.getByRole('table', { name: l.newThreats });
    await expect(table.getByRole('row')).toHaveCount(5);
    await expect(table.locator('tbody tr.unread')).toHaveCount(3);
    await expect(table.getByText('+85230010005')).toHaveAttribute('dir', 'ltr');
    expect(await axeViolations(page)).toEqual([]);
    await expect
      .poll(async () => (await mockRecord(page)).calls.map((c) => c.cmd))
      .toContain('mark_threats_read');
    expect((await mockRecord(page)).cspViolations).toEqual([]);
  });

  for (const state of ['fresh', 'failing', 'stale', 'notConfigured'] as const) {
    test(`Home words a ${state} list and passes axe (${l.language})`, async ({ page }) => {
      await openApp(page, 'home', withFeed(l.language, feedFixtures.freshness[state]()));
      const card = page.getByRole('region', { name: l.feed, exact: true });
      await expect(card.locator('[data-freshness]')).toBeVisible();
      await expect(page.locator('dd bdi').first()).toBeVisible();
      expect(await axeViolations(page)).toEqual([]);
    });
  }
}

test('Home says the version and age, and Sync now asks the backend', async ({ page }) => {
  await openApp(page, 'home', withFeed('en'));
  const card = page.getByRole('region', { name: 'Threat feed', exact: true });
  await expect(card).toContainText('List version 12, updated 12 minutes ago.');
  await card.getByRole('button', { name: 'Sync now' }).click();
  await expect(card.getByText('Update finished.')).toBeVisible();
  expect((await mockRecord(page)).calls.map((c) => c.cmd)).toContain('sync_now');
});

test('the sidebar shows unread threats until they are seen', async ({ page }) => {
  await openApp(page, 'home', withFeed('en'));
  const nav = page.getByRole('navigation', { name: 'Main' });
  const link = nav.getByRole('link', { name: 'Threats 3 unread' });
  await expect(link).toBeVisible();
  await link.click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Threats');
  await expect(nav.getByRole('link', { name: 'Threats', exact: true })).toBeVisible();
});

test('every verdict names the list it was checked against', async ({ page }) => {
  await openApp(page, 'check', withFeed('en', feedFixtures.freshness.stale()));
  await page.getByRole('textbox').fill('2345 6789');
  await page.locator('button[type="submit"]').click();
  await expect(page.getByText(/^Checked against a stale list \(version 12/)).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
});

test('the feed settings are locked when the administrator provisioned them', async ({ page }) => {
  const options = withFeed('en');
  options.feed = { ...options.feed, config: feedFixtures.feedConfig(true) };
  await openApp(page, 'settings', options);
  const card = page.getByRole('region', { name: 'Threat feed', exact: true });
  await expect(card.getByLabel('Feed address')).toHaveValue('https://feed.example.hk/verity/');
  await expect(card.getByLabel('Feed address')).toHaveAttribute('readonly', '');
  await expect(card).toContainText('Set by your administrator');
  expect(await axeViolations(page)).toEqual([]);
});

for (const l of LANGUAGES) {
  test(`a pasted root is shown for confirmation with the warning and passes axe (${l.language})`, async ({
    page,
  }) => {
    await openApp(page, 'settings', withFeed(l.language));
    const card = page.getByRole('region', { name: l.feed, exact: true });
    await card.locator('#feed-root-text').fill('{"signed":{"_type":"root"}}');
    await card.locator('#feed-root-text ~ .row button').first().click();
    const confirm = card.locator('.confirm');
    await expect(confirm).toBeVisible();
    await expect(confirm.locator('.big-fingerprint bdi')).toHaveAttribute('dir', 'ltr');
    await expect(confirm.locator('h4')).toBeFocused();
    expect(await axeViolations(page)).toEqual([]);
    const calls = (await mockRecord(page)).calls.map((c) => c.cmd);
    expect(calls).toContain('preview_feed_root');
    expect(calls).not.toContain('set_feed_root');
  });
}
