// A dependency-free W3C WebDriver client for tauri-driver (which forwards to WebKitWebDriver).
// Only what the real-app tests need: sessions, elements, clicks, text, attributes, scripts.

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export class WebDriver {
  constructor(base = process.env.WEBDRIVER_URL ?? 'http://127.0.0.1:4444') {
    this.base = base;
    this.session = null;
  }

  async #call(method, path, body) {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) {
      const v = json.value ?? {};
      throw new Error(`WebDriver ${method} ${path}: ${v.error ?? res.status}: ${v.message ?? ''}`);
    }
    return json.value;
  }

  #s(path) {
    return `/session/${this.session}${path}`;
  }

  async start(application, args = []) {
    const value = await this.#call('POST', '/session', {
      capabilities: {
        alwaysMatch: { 'tauri:options': { application, args } },
      },
    });
    this.session = value.sessionId;
    return value;
  }

  async stop() {
    if (this.session) await this.#call('DELETE', `/session/${this.session}`).catch(() => {});
    this.session = null;
  }

  async find(css) {
    const v = await this.#call('POST', this.#s('/element'), { using: 'css selector', value: css });
    return v[ELEMENT];
  }

  async findAll(css) {
    const v = await this.#call('POST', this.#s('/elements'), { using: 'css selector', value: css });
    return v.map((e) => e[ELEMENT]);
  }

  /** Waits until `css` matches an element, then returns it. */
  async waitFor(css, timeoutMs = 10000) {
    const end = Date.now() + timeoutMs;
    let last;
    while (Date.now() < end) {
      try {
        return await this.find(css);
      } catch (e) {
        last = e;
        await sleep(100);
      }
    }
    throw new Error(`timed out waiting for ${css}: ${last?.message}`);
  }

  /** Waits until `fn()` returns a truthy value, then returns it. */
  async until(what, fn, timeoutMs = 10000) {
    const end = Date.now() + timeoutMs;
    let last;
    while (Date.now() < end) {
      try {
        const v = await fn();
        if (v) return v;
      } catch (e) {
        last = e;
      }
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
  }

  async click(el) {
    await this.#call('POST', this.#s(`/element/${el}/click`), {});
  }

  async text(el) {
    return this.#call('GET', this.#s(`/element/${el}/text`));
  }

  async attribute(el, name) {
    return this.#call('GET', this.#s(`/element/${el}/attribute/${name}`));
  }

  async clear(el) {
    await this.#call('POST', this.#s(`/element/${el}/clear`), {});
  }

  async type(el, text) {
    await this.#call('POST', this.#s(`/element/${el}/value`), { text });
  }

  async execute(script, args = []) {
    return this.#call('POST', this.#s('/execute/sync'), { script, args });
  }

  /** Runs `script` asynchronously; it ends by calling `arguments[arguments.length - 1](value)`. */
  async executeAsync(script, args = []) {
    return this.#call('POST', this.#s('/execute/async'), { script, args });
  }

  async screenshot() {
    return Buffer.from(await this.#call('GET', this.#s('/screenshot')), 'base64');
  }
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
