import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/svelte';
import { afterEach } from 'vitest';
import { reveal } from './lib/drill/reveal.svelte';
import { feed } from './lib/feed/feed.svelte';
import { LANGUAGES, applyLanguage, loadLanguage } from './lib/i18n';
import { clearMocks } from './lib/ipc/testing';
import { settings } from './lib/settings.svelte';

// Every language loaded before any test, so that applyLanguage switches at once, as the app does
// once a language's catalogue has been fetched (i18n.svelte.ts).
await Promise.all(LANGUAGES.map((l) => loadLanguage(l.code)));

afterEach(() => {
  if (typeof window === 'undefined') return; // a test file that runs in the node environment
  cleanup(); // unmount first: components stop listening while the mocked backend still exists
  clearMocks();
  settings.reset();
  feed.reset();
  reveal.close();
  applyLanguage('en');
  window.location.hash = '';
});
