/**
 * Which screen is shown. The screen lives in the URL hash (`#/settings`), so the webview's back and
 * forward work and a test can open a screen directly; anything else in the hash is ignored.
 */
export const SCREENS = [
  'home',
  'check',
  'threats',
  'support',
  'agent',
  'device',
  'checklist',
  'settings',
] as const;
export type Screen = (typeof SCREENS)[number];

function parse(hash: string): Screen | null {
  const name = /^#\/([a-z-]+)$/.exec(hash)?.[1];
  return SCREENS.find((s) => s === name) ?? null;
}

function initial(): Screen {
  return typeof location === 'undefined' ? 'home' : (parse(location.hash) ?? 'home');
}

class Router {
  current = $state<Screen>(initial());
  /** Counts navigations after start-up, so the shell can move focus to the new screen. */
  navigations = $state(0);

  href(screen: Screen): string {
    return `#/${screen}`;
  }

  go(screen: Screen): void {
    if (location.hash !== this.href(screen)) location.hash = this.href(screen);
    this.show(screen);
  }

  /** Follows the hash (back/forward); returns a function that stops following. */
  start(): () => void {
    this.current = initial();
    const onHashChange = (): void => {
      const screen = parse(location.hash);
      if (screen) this.show(screen);
      else if (location.hash === '') this.show('home');
    };
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }

  private show(screen: Screen): void {
    if (screen === this.current) return;
    this.current = screen;
    this.navigations += 1;
  }
}

export const router = new Router();
