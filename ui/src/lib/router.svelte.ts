/**
 * Which screen is shown. The screen lives in the URL hash (`#/settings`), so the webview's back and
 * forward work and a test can open a screen directly; anything else in the hash is ignored. The
 * `drill` screen (a drill's lure, opened by its notification) is not in the navigation; its hash
 * names the drill (`#/drill/d-0123456789abcdef`).
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
  'drill',
] as const;
export type Screen = (typeof SCREENS)[number];

/** A drill id as the desk makes them: 1–64 of `[a-z0-9_-]`. */
const DRILL_HASH = /^#\/drill\/([a-z0-9_-]{1,64})$/;

function parse(hash: string): Screen | null {
  if (DRILL_HASH.test(hash)) return 'drill';
  const name = /^#\/([a-z-]+)$/.exec(hash)?.[1];
  return SCREENS.find((s) => s === name) ?? null;
}

function initial(): Screen {
  return typeof location === 'undefined' ? 'home' : (parse(location.hash) ?? 'home');
}

function initialDrill(): string | null {
  return typeof location === 'undefined' ? null : (DRILL_HASH.exec(location.hash)?.[1] ?? null);
}

class Router {
  current = $state<Screen>(initial());
  /** Counts navigations after start-up, so the shell can move focus to the new screen. */
  navigations = $state(0);
  /** The drill whose lure the `drill` screen shows (null: none named). */
  drillId = $state<string | null>(initialDrill());

  href(screen: Screen): string {
    return `#/${screen}`;
  }

  go(screen: Screen): void {
    if (location.hash !== this.href(screen)) location.hash = this.href(screen);
    this.show(screen);
  }

  /** Shows drill `id`'s lure (its notification was clicked). */
  openDrill(id: string): void {
    const href = `#/drill/${id}`;
    if (location.hash !== href) location.hash = href;
    this.showDrill(id);
  }

  /** Follows the hash (back/forward); returns a function that stops following. */
  start(): () => void {
    this.current = initial();
    this.drillId = initialDrill();
    const onHashChange = (): void => {
      const drill = DRILL_HASH.exec(location.hash)?.[1];
      const screen = parse(location.hash);
      if (drill) this.showDrill(drill);
      else if (screen) this.show(screen);
      else if (location.hash === '') this.show('home');
    };
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }

  private showDrill(id: string): void {
    if (this.current === 'drill' && this.drillId === id) return;
    this.drillId = id;
    this.current = 'drill';
    this.navigations += 1;
  }

  private show(screen: Screen): void {
    if (screen === this.current) return;
    this.current = screen;
    this.navigations += 1;
  }
}

export const router = new Router();
