/**
 * What the console checks of the operation log (docs/console-api.md, "Operation log"): each shown
 * entry's leaf recomputed from the fields it shows and its inclusion proof against the
 * checkpoint's root; the checkpoint note's Ed25519 signature with the key pinned on first use;
 * and the consistency of the new checkpoint with the last one kept in this browser.
 */
import type { Checkpoint, Consistency, LogKey, Op } from './api';
import {
  equalBytes,
  fromBase64,
  leafHash,
  toBase64,
  verifyConsistency,
  verifyInclusion,
} from './merkle';

const encoder = new TextEncoder();

/** `OpRecord::leaf_bytes`: the domain tag, `seq` and `at` as u64 BE, then six u32-BE-length texts. */
export function leafBytes(op: Op): Uint8Array {
  const texts = [op.actor, op.action, op.target, op.device, op.outcome, op.detail].map((s) =>
    encoder.encode(s),
  );
  const tag = encoder.encode('verity-oplog-leaf-v1\0');
  const size = tag.length + 16 + texts.reduce((n, b) => n + 4 + b.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(tag, 0);
  let at = tag.length;
  view.setBigUint64(at, BigInt(op.seq));
  view.setBigUint64(at + 8, BigInt(op.at));
  at += 16;
  for (const b of texts) {
    view.setUint32(at, b.length);
    out.set(b, at + 4);
    at += 4 + b.length;
  }
  return out;
}

/** A C2SP signed note's parts: the signed text and its signature lines. */
export function parseNote(note: string): {
  text: string;
  origin: string;
  size: number;
  root: string;
  sigs: { name: string; sig: string }[];
} | null {
  const split = note.indexOf('\n\n');
  if (split < 0) return null;
  const text = note.slice(0, split + 1);
  const lines = text.split('\n');
  const [origin, size, root] = lines;
  if (!origin || !size || !root || !/^[0-9]+$/.test(size)) return null;
  const sigs: { name: string; sig: string }[] = [];
  for (const line of note.slice(split + 2).split('\n')) {
    if (line === '') continue;
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) return null;
    sigs.push({ name: m[1]!, sig: m[2]! });
  }
  return { text, origin, size: Number(size), root, sigs };
}

async function keyHash(name: string, publicKey: Uint8Array): Promise<Uint8Array> {
  const input = new Uint8Array([...encoder.encode(`${name}\n`), 0x01, ...publicKey]);
  return new Uint8Array(await crypto.subtle.digest('SHA-256', input)).slice(0, 4);
}

export type SignatureCheck = 'valid' | 'invalid' | 'unsupported';

/** Whether the note carries a valid Ed25519 signature by `key` (`unsupported`: no Ed25519 here). */
export async function checkNoteSignature(note: string, key: LogKey): Promise<SignatureCheck> {
  const parsed = parseNote(note);
  const pub = fromBase64(key.public_key);
  if (!parsed || !pub || pub.length !== 32) return 'invalid';
  const line = parsed.sigs.find((s) => s.name === key.name);
  const raw = line ? fromBase64(line.sig) : null;
  if (!raw || raw.length !== 68) return 'invalid';
  if (!equalBytes(raw.slice(0, 4), await keyHash(key.name, pub))) return 'invalid';
  let cryptoKey: CryptoKey;
  try {
    cryptoKey = await crypto.subtle.importKey(
      'raw',
      new Uint8Array(pub),
      { name: 'Ed25519' },
      false,
      ['verify'],
    );
  } catch {
    return 'unsupported';
  }
  try {
    const ok = await crypto.subtle.verify(
      { name: 'Ed25519' },
      cryptoKey,
      raw.slice(4),
      encoder.encode(parsed.text),
    );
    return ok ? 'valid' : 'invalid';
  } catch {
    return 'unsupported';
  }
}

export const PIN_KEY = 'verity-oplog-key';
export const KEPT_KEY = 'verity-oplog-checkpoint';

export type Kept = { size: number; root: string };

export type Verification = {
  /** `verified`: every check passed (the signature perhaps not checkable here, see `signature`). */
  state: 'verified' | 'failed' | 'empty';
  size: number;
  signature: SignatureCheck | 'none';
  /** The pinned key differs from the one the desk sent. */
  keyChanged: boolean;
  /** Why it failed: the entry whose proof failed, or the checkpoint part. */
  failure:
    | { what: 'entry'; seq: number }
    | { what: 'checkpoint' }
    | { what: 'signature' }
    | { what: 'consistency'; from: number }
    | null;
};

type Storage = Pick<globalThis.Storage, 'getItem' | 'setItem'>;

function read<T>(storage: Storage, key: string): T | null {
  try {
    const text = storage.getItem(key);
    return text ? (JSON.parse(text) as T) : null;
  } catch {
    return null;
  }
}

/**
 * Checks what `GET /oplog` answered. Pins the key on first use; keeps the checkpoint when all
 * passed. `consistency` fetches `GET /oplog/consistency?from=N`.
 */
export async function verifyLog(
  log: { entries: Op[]; checkpoint: Checkpoint | null; key: LogKey },
  storage: Storage,
  consistency: (from: number) => Promise<Consistency>,
): Promise<Verification> {
  const result: Verification = {
    state: 'verified',
    size: 0,
    signature: 'none',
    keyChanged: false,
    failure: null,
  };
  const pinned = read<{ name: string; public_key: string }>(storage, PIN_KEY);
  if (pinned && (pinned.public_key !== log.key.public_key || pinned.name !== log.key.name)) {
    result.keyChanged = true;
  } else if (!pinned) {
    storage.setItem(
      PIN_KEY,
      JSON.stringify({ name: log.key.name, public_key: log.key.public_key }),
    );
  }
  const cp = log.checkpoint;
  if (!cp) return { ...result, state: log.entries.length ? 'failed' : 'empty' };
  result.size = cp.size;
  const fail = (failure: Verification['failure']): Verification => ({
    ...result,
    state: 'failed',
    failure,
  });

  // The note must say what the checkpoint says, and be signed by the (pinned) key.
  const note = parseNote(cp.note);
  const root = fromBase64(cp.root);
  if (
    !note ||
    !root ||
    note.size !== cp.size ||
    note.root !== cp.root ||
    note.origin !== log.key.name
  ) {
    return fail({ what: 'checkpoint' });
  }
  result.signature = await checkNoteSignature(cp.note, log.key);
  if (result.signature === 'invalid' || result.keyChanged) return fail({ what: 'signature' });

  // Each entry: its leaf from the shown fields, its proof to the root.
  for (const op of log.entries) {
    const proof = op.proof.map(fromBase64);
    if (proof.some((p) => p === null || p.length !== 32))
      return fail({ what: 'entry', seq: op.seq });
    const leaf = await leafHash(leafBytes(op));
    const ok = await verifyInclusion(op.seq - 1, cp.size, leaf, proof as Uint8Array[], root);
    if (!ok) return fail({ what: 'entry', seq: op.seq });
  }

  // The last checkpoint kept here must be a prefix of this one.
  const kept = read<Kept>(storage, KEPT_KEY);
  if (kept && typeof kept.size === 'number' && typeof kept.root === 'string') {
    const keptRoot = fromBase64(kept.root);
    if (!keptRoot || kept.size > cp.size) return fail({ what: 'consistency', from: kept.size });
    if (kept.size === cp.size) {
      if (!equalBytes(keptRoot, root)) return fail({ what: 'consistency', from: kept.size });
    } else if (kept.size > 0) {
      let answer: Consistency;
      try {
        answer = await consistency(kept.size);
      } catch {
        return fail({ what: 'consistency', from: kept.size });
      }
      const proof = answer.proof.map(fromBase64);
      const ok =
        answer.old_size === kept.size &&
        answer.new_size === cp.size &&
        proof.every((p) => p !== null && p.length === 32) &&
        (await verifyConsistency(kept.size, cp.size, proof as Uint8Array[], keptRoot, root));
      if (!ok) return fail({ what: 'consistency', from: kept.size });
    }
  }
  storage.setItem(KEPT_KEY, JSON.stringify({ size: cp.size, root: toBase64(root) }));
  return result;
}
