/// <reference types="vitest/config" />
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig, searchForWorkspaceRoot } from 'vite';

const uiRoot = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * The production CSP, read from the app's own Tauri config so that `vite preview` (which the
 * Playwright tests drive) enforces exactly what the desktop window enforces.
 */
function productionCsp(): string {
  const conf = JSON.parse(readFileSync(`${repoRoot}tauri.conf.json`, 'utf8')) as {
    app?: { security?: { csp?: string } };
  };
  const csp = conf.app?.security?.csp;
  if (!csp) throw new Error('tauri.conf.json has no app.security.csp');
  return csp;
}

export default defineConfig({
  plugins: [svelte(), ...(process.env.VITEST ? [svelteTesting()] : [])],
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
    // The UI reads the shared translation files in ../locales.
    fs: { allow: [searchForWorkspaceRoot(uiRoot), `${repoRoot}locales`] },
  },
  preview: {
    headers: { 'Content-Security-Policy': productionCsp() },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    // Keep every asset a file: nothing inlined as data: URIs or inline styles.
    assetsInlineLimit: 0,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['src/test-setup.ts'],
    restoreMocks: true,
  },
});
