import { describe, expect, it, vi } from 'vitest';
import type { Op } from './api';
import * as fx from '../test-fixtures';
import { checkNoteSignature, KEPT_KEY, leafBytes, PIN_KEY, verifyLog } from './oplog-verify';

function memory(): Storage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
  } as unknown as Storage & { data: Map<string, string> };
}

const noConsistency = () => Promise.reject(new Error('not asked'));

describe('the operation log verification', () => {
  it('encodes a leaf exactly as OpRecord::leaf_bytes', () => {
    const op: Op = {
      seq: 1,
      at: 2,
      actor: 'a',
      action: 'bc',
      target: '',
      device: '',
      outcome: 'ok',
      detail: '{}',
      proof: [],
    };
    const hex = Array.from(leafBytes(op), (b) => b.toString(16).padStart(2, '0')).join('');
    const tag = Array.from(new TextEncoder().encode('verity-oplog-leaf-v1\0'), (b) =>
      b.toString(16).padStart(2, '0'),
    ).join('');
    expect(hex).toBe(
      tag +
        '0000000000000001' +
        '0000000000000002' +
        '0000000161' +
        '000000026263' +
        '00000000' +
        '00000000' +
        '000000026f6b' +
        '000000027b7d',
    );
  });

  it('verifies a signed checkpoint, every proof, pins the key and keeps the checkpoint', async () => {
    const storage = memory();
    const log = await fx.oplog();
    expect(await checkNoteSignature(log.checkpoint!.note, log.key)).toBe('valid');
    const v = await verifyLog(log, storage, noConsistency);
    expect(v).toMatchObject({ state: 'verified', size: 6, signature: 'valid', keyChanged: false });
    expect(JSON.parse(storage.data.get(PIN_KEY)!)).toEqual({
      name: log.key.name,
      public_key: log.key.public_key,
    });
    expect(JSON.parse(storage.data.get(KEPT_KEY)!)).toMatchObject({ size: 6 });
  });

  it('names the entry whose shown fields do not match its proof', async () => {
    const log = await fx.oplog();
    log.entries[2] = { ...log.entries[2]!, outcome: 'ok ' };
    const v = await verifyLog(log, memory(), noConsistency);
    expect(v.state).toBe('failed');
    expect(v.failure).toEqual({ what: 'entry', seq: log.entries[2].seq });
  });

  it('refuses a forged note and a changed key', async () => {
    const log = await fx.oplog();
    const forged = {
      ...log,
      checkpoint: { ...log.checkpoint!, note: log.checkpoint!.note.replace('\n6\n', '\n7\n') },
    };
    expect((await verifyLog(forged, memory(), noConsistency)).failure).toEqual({
      what: 'checkpoint',
    });
    const storage = memory();
    storage.setItem(PIN_KEY, JSON.stringify({ name: log.key.name, public_key: 'AAAA' }));
    const v = await verifyLog(log, storage, noConsistency);
    expect(v.keyChanged).toBe(true);
    expect(v.state).toBe('failed');
  });

  it('checks consistency with the checkpoint kept before', async () => {
    const storage = memory();
    expect((await verifyLog(await fx.oplog(4), storage, noConsistency)).state).toBe('verified');
    const asked: number[] = [];
    const v = await verifyLog(await fx.oplog(), storage, (from) => {
      asked.push(from);
      return fx.oplogConsistency(from);
    });
    expect(asked).toEqual([4]);
    expect(v.state).toBe('verified');
    // A proof that does not hold is a failure, and the kept checkpoint stays.
    const other = memory();
    await verifyLog(await fx.oplog(4), other, noConsistency);
    const bad = await verifyLog(await fx.oplog(), other, async (from) => {
      const c = await fx.oplogConsistency(from);
      return { ...c, proof: c.proof.slice(1) };
    });
    expect(bad.failure).toEqual({ what: 'consistency', from: 4 });
    expect(JSON.parse(other.data.get(KEPT_KEY)!)).toMatchObject({ size: 4 });
  });

  it('checks the golden signed checkpoint of the verity-oplog crate', async () => {
    // crates/verity-oplog/tests/checkpoint.rs `golden_signed_checkpoint` (key seed [7; 32]).
    const golden =
      'desk.example/oplog\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n' +
      '\u2014 desk.example/oplog 8UokGjXwcUI+we8Y8HBuKxymwu7jpHsbtOp2D4ReMz0BgBFAuxWijtNuk5OjWTXiN5mraEPbpPYOlzwBGdiLBaBEbAU=\n';
    const deskKey = {
      name: 'desk.example/oplog',
      vkey: '',
      public_key: '6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw=',
    };
    expect(await checkNoteSignature(golden, deskKey)).toBe('valid');
    expect(await checkNoteSignature(golden.replace('20852163', '20852164'), deskKey)).toBe(
      'invalid',
    );
  });

  it('says so when the browser has no Ed25519, rather than pretend', async () => {
    const log = await fx.oplog();
    const importKey = vi
      .spyOn(crypto.subtle, 'importKey')
      .mockRejectedValue(new DOMException('Unrecognized name', 'NotSupportedError'));
    try {
      const v = await verifyLog(log, memory(), noConsistency);
      expect(v).toMatchObject({ state: 'verified', signature: 'unsupported' });
    } finally {
      importKey.mockRestore();
    }
  });
});
