// @vitest-environment node
/**
 * Structural rules of the UI, checked on the source text: no import cycles, and Tauri reached only
 * through src/lib/ipc/ (ESLint enforces the latter too; this also covers files ESLint skips).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = dirname(fileURLToPath(import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|svelte)$/.test(name) ? [path] : [];
  });
}

function specifiers(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const pattern = /\b(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]/g;
  return [...text.matchAll(pattern)].map((m) => m[1] ?? '');
}

function resolveLocal(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = resolve(dirname(from), specifier);
  const candidate = [base, `${base}.ts`, join(base, 'index.ts')].find(
    (p) => existsSync(p) && statSync(p).isFile(),
  );
  return candidate ?? null;
}

const files = sources(src).filter((f) => !f.endsWith('.test.ts'));
const graph = new Map(
  files.map((f) => [
    f,
    specifiers(f)
      .map((s) => resolveLocal(f, s))
      .filter((p): p is string => p !== null && p.startsWith(src)),
  ]),
);

describe('UI architecture', () => {
  it('has no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        const cycle = [...path.slice(path.indexOf(file)), file];
        cycles.push(cycle.map((p) => relative(src, p)).join(' → '));
        return;
      }
      state.set(file, 'visiting');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('reaches Tauri only through src/lib/ipc/', () => {
    const ipc = join(src, 'lib', 'ipc');
    const offenders = files.filter(
      (f) => !f.startsWith(ipc) && specifiers(f).some((s) => s.startsWith('@tauri-apps/')),
    );
    expect(offenders.map((f) => relative(src, f))).toEqual([]);
  });

  it('reads the import graph (sanity check of this test)', () => {
    const app = graph.get(join(src, 'App.svelte')) ?? [];
    expect(app.map((p) => relative(src, p))).toContain(join('lib', 'settings.svelte.ts'));
  });
});
