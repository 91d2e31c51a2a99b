/**
 * Playwright runs against the BUILT console (`npm run build`, served by `vite preview` with the
 * desk's CSP) in Debian's Chromium, with the desk's API answered by `page.route` mocks. Nothing here
 * downloads a browser: set PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 when installing, and point
 * CHROMIUM_PATH elsewhere if Chromium is not at /usr/bin/chromium.
 */
import { defineConfig } from '@playwright/test';

const port = Number(process.env.VERITY_E2E_PORT ?? 4180);
const baseURL = `http://127.0.0.1:${port}/console/`;

export default defineConfig({
  testDir: 'e2e',
  fullyParallel: true,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  reporter: [['list']],
  timeout: 20_000,
  expect: { timeout: 5_000 },
  use: {
    baseURL,
    browserName: 'chromium',
    viewport: { width: 1040, height: 720 },
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
  webServer: {
    command: `npx vite preview --host 127.0.0.1 --port ${port} --strictPort`,
    url: baseURL,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
