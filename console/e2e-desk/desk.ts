/**
 * A real desk for the console's end-to-end test: an organisation, an admin account, a feed
 * repository whose online keys the desk holds, a feed server, and `verity-desk serve`, all on
 * loopback in a temporary directory; and `verityctl` as an employee's device. Everything is
 * stopped and removed by `stop()`.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = process.env.VERITY_BIN_DIR ?? join(import.meta.dirname, '../../target/debug');

export function run(bin: 'verity-desk' | 'verityctl', args: string[], env = {}): string {
  return execFileSync(join(BIN, bin), args, {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs a command that may exit non-zero on purpose (`verityctl check` exits 1 for a scam). */
export function runStatus(
  bin: 'verity-desk' | 'verityctl',
  args: string[],
): { status: number; out: string } {
  const r = spawnSync(join(BIN, bin), args, {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`exited early (${child.exitCode}):\n${log()}`);
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered:\n${log()}`);
}

function start(
  bin: 'verity-desk' | 'verityctl',
  args: string[],
): { child: ChildProcess; log: () => string } {
  const child = spawn(join(BIN, bin), args, {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, log: () => out };
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) of a base32 secret, at `at` (Unix seconds). */
export function totp(secretB32: string, at = Math.floor(Date.now() / 1000)): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secretB32.replace(/=+$/, '').toUpperCase()) {
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${c}`);
    bits += v.toString(2).padStart(5, '0');
  }
  const bytes = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30)));
  const h = createHmac('sha1', bytes).update(counter).digest();
  const off = h[h.length - 1]! & 0x0f;
  const n = (h.readUInt32BE(off) & 0x7fffffff) % 1_000_000;
  return n.toString().padStart(6, '0');
}

export type Desk = {
  dir: string;
  url: string;
  setupCode: string;
  fingerprint: string;
  device: string;
  stop: () => void;
};

export async function startDesk(): Promise<Desk> {
  const dir = mkdtempSync(join(tmpdir(), 'verity-console-e2e-'));
  const data = join(dir, 'desk');
  const feed = { repo: join(dir, 'repo'), keys: join(dir, 'keys'), root: join(dir, 'root-keys') };
  run('verity-desk', ['org', 'init', '--data', data, '--name', 'Acme HK']);
  const org = JSON.parse(run('verity-desk', ['org', 'show', '--data', data, '--json'])) as {
    fingerprint: string;
  };
  const fingerprint = org.fingerprint;
  const setupCode = run('verity-desk', ['admin', 'add', 'alice', '--role', 'admin', '--data', data])
    .trim()
    .split('\n')
    .pop()!
    .trim();
  run('verityctl', [
    'feed',
    'init',
    '--repo',
    feed.repo,
    '--keys',
    feed.keys,
    '--root-key-dir',
    feed.root,
  ]);
  // A first version, so devices have a feed to sync before anything is confirmed.
  const csv = join(dir, 'entries.csv');
  writeFileSync(
    csv,
    'kind,value,category,campaign,source,alert\nphone,+85230010001,fake_support,ads,seed,false\n',
  );
  run('verityctl', ['feed', 'publish', '--repo', feed.repo, '--keys', feed.keys, '--entries', csv]);
  run('verity-desk', [
    'feed',
    'publisher',
    '--data',
    data,
    '--repo',
    feed.repo,
    '--keys',
    feed.keys,
  ]);

  const feedPort = await freePort();
  const feedServer = start('verityctl', [
    'feed',
    'serve',
    '--repo',
    feed.repo,
    '--listen',
    `127.0.0.1:${feedPort}`,
  ]);
  const feedUrl = `http://127.0.0.1:${feedPort}/`;
  await waitFor(`${feedUrl}metadata/timestamp.json`, feedServer.child, feedServer.log);
  run('verity-desk', [
    'org',
    'feed',
    '--data',
    data,
    '--url',
    feedUrl,
    '--root',
    join(feed.repo, 'root.json'),
  ]);

  const port = await freePort();
  // WebAuthn refuses IP addresses as relying parties: the console is opened on localhost.
  const url = `http://localhost:${port}`;
  const desk = start('verity-desk', [
    'serve',
    '--data',
    data,
    '--listen',
    `127.0.0.1:${port}`,
    '--public-url',
    url,
  ]);
  await waitFor(`http://127.0.0.1:${port}/healthz`, desk.child, desk.log);

  const stop = (): void => {
    desk.child.kill('SIGTERM');
    feedServer.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, url, setupCode, fingerprint, device: join(dir, 'device'), stop };
}
