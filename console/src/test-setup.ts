import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/svelte';
import { afterEach, vi } from 'vitest';
import { resetApi } from './lib/api';
import { applyLanguage } from './lib/i18n.svelte';
import { session } from './lib/session.svelte';

// jsdom has <dialog> but not its modal methods: enough of them for the components.
if (typeof HTMLDialogElement !== 'undefined' && !HTMLDialogElement.prototype.showModal) {
  HTMLDialogElement.prototype.showModal = function (this: HTMLDialogElement) {
    this.setAttribute('open', '');
  };
  HTMLDialogElement.prototype.close = function (this: HTMLDialogElement) {
    this.removeAttribute('open');
    this.dispatchEvent(new Event('close'));
  };
}

afterEach(() => {
  if (typeof window === 'undefined') return; // a test file that runs in the node environment
  cleanup();
  vi.unstubAllGlobals();
  resetApi();
  session.reset();
  applyLanguage('en');
  try {
    localStorage.clear();
  } catch {
    // ignore
  }
  window.location.hash = '';
});
