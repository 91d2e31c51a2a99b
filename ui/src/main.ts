import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { loadLanguage } from './lib/i18n';
import { settings } from './lib/settings.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

/**
 * Draws the app in the user's language from its first frame: the settings, then that language's
 * catalogue (a chunk of its own), then the app. Without settings (no backend, a store that cannot
 * open) or without the chunk, the app starts in English and says why where it matters.
 */
async function start(app: HTMLElement): Promise<void> {
  await settings.load();
  const language = settings.current?.language;
  if (language) await loadLanguage(language).catch(() => undefined);
  mount(App, { target: app });
}

void start(target);
