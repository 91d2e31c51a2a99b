/**
 * Who is signed in (the desk's `Me`), and where in the console they are (the URL hash,
 * `#/reports`). A 401 from any signed-in call sends the user back to the sign-in screen.
 */
import { api, forgetSession, isApiError, type Me, type Role } from './api';
import { applyLanguage, isLanguage, languageChosen } from './i18n.svelte';

export type Screen =
  | 'dashboard'
  | 'reports'
  | 'feed'
  | 'devices'
  | 'codes'
  | 'agents'
  | 'policy'
  | 'drills'
  | 'oplog'
  | 'account';
export const SCREENS: readonly Screen[] = [
  'reports',
  'feed',
  'devices',
  'codes',
  'agents',
  'policy',
  'drills',
  'dashboard',
  'oplog',
  'account',
];

function screenFromHash(hash: string): Screen {
  const name = hash.replace(/^#\/?/, '');
  return (SCREENS as readonly string[]).includes(name) ? (name as Screen) : 'reports';
}

class Session {
  me = $state<Me | null>(null);
  /** `loading` until the first `GET /me` answers. */
  state = $state<'loading' | 'signedOut' | 'signedIn'>('loading');
  screen = $state<Screen>('reports');
  /** Counts navigations, so the shell moves focus to the new heading (not on first load). */
  navigations = $state(0);

  async load(): Promise<void> {
    try {
      this.signedIn(await api.me());
    } catch (e) {
      if (!isApiError(e) || e.code !== 'unauthenticated') console.warn('GET /me failed', e);
      this.signedOut();
    }
  }

  signedIn(me: Me): void {
    // The account's language (from the desk) applies unless this browser has a choice of its own.
    if (this.state !== 'signedIn' && isLanguage(me.language) && !languageChosen()) {
      applyLanguage(me.language);
    }
    this.me = me;
    this.state = 'signedIn';
  }

  signedOut(): void {
    forgetSession();
    this.me = null;
    this.state = 'signedOut';
  }

  async signOut(): Promise<void> {
    try {
      await api.signOut();
    } finally {
      this.signedOut();
    }
  }

  /** Can this role do an action that needs `role`? (`admin` can do everything.) */
  can(role: Role): boolean {
    const mine = this.me?.role;
    if (!mine) return false;
    if (mine === 'admin') return true;
    return mine === role;
  }

  startRouting(): () => void {
    const sync = (): void => {
      const next = screenFromHash(window.location.hash);
      if (next !== this.screen) {
        this.screen = next;
        this.navigations++;
      }
    };
    this.screen = screenFromHash(window.location.hash);
    window.addEventListener('hashchange', sync);
    return () => window.removeEventListener('hashchange', sync);
  }

  reset(): void {
    this.me = null;
    this.state = 'loading';
    this.screen = 'reports';
    this.navigations = 0;
  }
}

export const session = new Session();
