import { describe, expect, it } from 'vitest';
import {
  fromBase64,
  fromHex,
  leafHash,
  nodeHash,
  rootOf,
  toBase64,
  toHex,
  verifyConsistency,
  verifyInclusion,
} from './merkle';
import { inclusionPath, subproof } from '../test-merkle';

/** transparency-dev/merkle `testonly.LeafInputs()`. */
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(fromHex);

/** transparency-dev/merkle `testonly.RootHashes()`, sizes 0..8. */
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

const path = inclusionPath;

describe('merkle (RFC 6962 / RFC 9162)', () => {
  it('computes the published test-tree roots for sizes 0..8', async () => {
    for (let n = 0; n <= 8; n++) {
      expect(toHex(await rootOf(LEAVES.slice(0, n))), `size ${n}`).toBe(ROOTS[n]);
    }
  });

  it('hashes leaves and nodes with the domain-separation prefixes', async () => {
    expect(toHex(await leafHash(LEAVES[0]!))).toBe(ROOTS[1]);
    const two = await nodeHash(await leafHash(LEAVES[0]!), await leafHash(LEAVES[1]!));
    expect(toHex(two)).toBe(ROOTS[2]);
  });

  it('verifies the reference inclusion proof of leaf 0 in the size-8 tree', async () => {
    const proof = [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ].map(fromHex);
    const leaf = await leafHash(LEAVES[0]!);
    expect(await verifyInclusion(0, 8, leaf, proof, fromHex(ROOTS[8]!))).toBe(true);
    expect(await verifyInclusion(1, 8, leaf, proof, fromHex(ROOTS[8]!))).toBe(false);
  });

  it('verifies every inclusion proof of sizes 1..8 and rejects every tampering', async () => {
    for (let n = 1; n <= 8; n++) {
      const leaves = LEAVES.slice(0, n);
      const root = fromHex(ROOTS[n]!);
      for (let m = 0; m < n; m++) {
        const proof = await path(m, leaves);
        const leaf = await leafHash(leaves[m]!);
        expect(await verifyInclusion(m, n, leaf, proof, root), `${m} in ${n}`).toBe(true);
        // A wrong leaf, index, root, or a shortened/extended/flipped proof all fail (the size is
        // bound by the signed checkpoint, not by the proof).
        expect(await verifyInclusion(m, n, await leafHash(fromHex('ff')), proof, root)).toBe(false);
        if (n > 1) {
          expect(await verifyInclusion((m + 1) % n, n, leaf, proof, root)).toBe(false);
        }
        expect(await verifyInclusion(m, n, leaf, proof, fromHex(ROOTS[0]!))).toBe(false);
        expect(await verifyInclusion(m, n, leaf, [...proof, root], root)).toBe(false);
        if (proof.length > 0) {
          expect(await verifyInclusion(m, n, leaf, proof.slice(1), root)).toBe(false);
          const flipped = proof.map((h) => h.slice());
          flipped[0]![0]! ^= 1;
          expect(await verifyInclusion(m, n, leaf, flipped, root)).toBe(false);
        }
      }
      expect(await verifyInclusion(n, n, await leafHash(LEAVES[0]!), [], root)).toBe(false);
      expect(await verifyInclusion(-1, n, await leafHash(LEAVES[0]!), [], root)).toBe(false);
    }
  });

  it('verifies every consistency proof between sizes 1..8 and rejects tampering', async () => {
    for (let n = 1; n <= 8; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = await subproof(m, LEAVES.slice(0, n), true);
        const r1 = fromHex(ROOTS[m]!);
        const r2 = fromHex(ROOTS[n]!);
        expect(await verifyConsistency(m, n, proof, r1, r2), `${m} → ${n}`).toBe(true);
        if (m < n) {
          expect(await verifyConsistency(m, n, proof, fromHex(ROOTS[m - 1]!), r2)).toBe(false);
          expect(await verifyConsistency(m, n, proof, r1, fromHex(ROOTS[n - 1]!))).toBe(false);
          expect(await verifyConsistency(m, n, proof.slice(1), r1, r2)).toBe(false);
          expect(await verifyConsistency(m, n, [...proof, r1], r1, r2)).toBe(false);
          const flipped = proof.map((h) => h.slice());
          flipped[flipped.length - 1]![31]! ^= 1;
          expect(await verifyConsistency(m, n, flipped, r1, r2)).toBe(false);
        }
      }
    }
    expect(await verifyConsistency(4, 3, [], fromHex(ROOTS[4]!), fromHex(ROOTS[3]!))).toBe(false);
  });

  it('reads and writes base64', () => {
    const bytes = fromHex(ROOTS[8]!);
    expect(toHex(fromBase64(toBase64(bytes))!)).toBe(ROOTS[8]);
    expect(fromBase64('not base64!')).toBeNull();
  });
});
