// @vitest-environment node
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('.', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

const sources = files(src)
  .filter((f) => /\.(svelte|ts)$/.test(f) && !/\.test\.ts$/.test(f) && !/test-/.test(f))
  .map((f) => ({ path: relative(src, f), text: readFileSync(f, 'utf8') }));

describe('architecture', () => {
  it('calls fetch only from lib/api.ts', () => {
    const callers = sources.filter((f) => /\bfetch\s*\(/.test(f.text)).map((f) => f.path);
    expect(callers).toEqual(['lib/api.ts']);
  });

  it('never renders markup from data, and has no inline style attributes (CSP)', () => {
    for (const { path, text } of sources.filter((f) => f.path.endsWith('.svelte'))) {
      expect(text, path).not.toMatch(/\{@html/);
      expect(text, path).not.toMatch(/\sstyle=|\sstyle:[a-z-]+=/);
      expect(text, path).not.toMatch(/\s(transition|in|out|animate):[a-zA-Z]/);
    }
  });

  it('never uses eval or string timers', () => {
    for (const { path, text } of sources) {
      expect(text, path).not.toMatch(/\beval\(|new Function\(|setTimeout\(\s*['"`]/);
    }
  });
});
