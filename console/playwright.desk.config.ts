/**
 * The console against a REAL desk on loopback (`e2e-desk/`): the test builds nothing itself —
 * `scripts/console-e2e` builds `verity-desk` and `verityctl` (with the console embedded) and
 * points VERITY_BIN_DIR at them — then each test starts its own desk in a temporary directory,
 * drives Debian's Chromium with a virtual WebAuthn authenticator, and stops everything at the end.
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'e2e-desk',
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  reporter: [['list']],
  timeout: 180_000,
  expect: { timeout: 15_000 },
  use: {
    browserName: 'chromium',
    viewport: { width: 1200, height: 800 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
});
