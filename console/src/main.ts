import { mount } from 'svelte';
import App from './App.svelte';
import { applyLanguage, initialLanguage } from './lib/i18n.svelte';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

applyLanguage(initialLanguage());

export default mount(App, { target });
