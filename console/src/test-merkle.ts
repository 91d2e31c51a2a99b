/** Merkle proofs as RFC 9162 defines them (§2.1.3.1 PATH, §2.1.4.1 SUBPROOF), for tests. */
import { rootOf, type Hash } from './lib/merkle';

const largestPow2Below = (n: number): number => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};

/** PATH(m, D[n]). */
export async function inclusionPath(m: number, leaves: Uint8Array[]): Promise<Hash[]> {
  if (leaves.length <= 1) return [];
  const k = largestPow2Below(leaves.length);
  if (m < k)
    return [...(await inclusionPath(m, leaves.slice(0, k))), await rootOf(leaves.slice(k))];
  return [...(await inclusionPath(m - k, leaves.slice(k))), await rootOf(leaves.slice(0, k))];
}

/** SUBPROOF(m, D[n], b); PROOF(m, D[n]) is `subproof(m, leaves, true)`. */
export async function subproof(m: number, leaves: Uint8Array[], b = true): Promise<Hash[]> {
  const n = leaves.length;
  if (m === n) return b ? [] : [await rootOf(leaves)];
  const k = largestPow2Below(n);
  if (m <= k) return [...(await subproof(m, leaves.slice(0, k), b)), await rootOf(leaves.slice(k))];
  return [...(await subproof(m - k, leaves.slice(k), false)), await rootOf(leaves.slice(0, k))];
}
