// The transparency log's Merkle tree against RFC 9162 / RFC 6962: the published reference vectors
// (the Certificate Transparency test leaves, their roots, and proofs the reference implementations
// produce), the RFC's recursive definitions for every tree size up to a few hundred, and tampered
// proofs refused.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CompactRange,
  EMPTY_ROOT,
  MerkleTree,
  consistencyProof,
  inclusionProof,
  leafHash,
  nodeHash,
  rootOf,
  splitPoint,
  verifyConsistency,
  verifyInclusion,
} from '../../server/transparency/merkle.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

// The RFC 6962 reference leaves and the root of each prefix (transparency-dev/merkle's test data).
const CT_ENTRIES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(unhex);
const CT_ROOTS = [
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
const CT_INCLUSION = [
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];
const CT_CONSISTENCY = [
  {
    first: 2,
    second: 8,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    first: 6,
    second: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    first: 2,
    second: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

const CT_LEAVES = CT_ENTRIES.map(leafHash);

function treeOf(leaves: Uint8Array[]): MerkleTree {
  const tree = new MerkleTree();
  for (const l of leaves) tree.append(l);
  return tree;
}

/** The RFC's definitions written out literally, over lists, as the oracle for the tree's answers. */
const rfc = {
  path(m: number, d: Uint8Array[]): Uint8Array[] {
    if (d.length === 1) return [];
    const k = splitPoint(d.length);
    return m < k
      ? [...rfc.path(m, d.slice(0, k)), rootOf(d.slice(k))]
      : [...rfc.path(m - k, d.slice(k)), rootOf(d.slice(0, k))];
  },
  subproof(m: number, d: Uint8Array[], b: boolean): Uint8Array[] {
    const n = d.length;
    if (m === n) return b ? [] : [rootOf(d)];
    const k = splitPoint(n);
    return m <= k
      ? [...rfc.subproof(m, d.slice(0, k), b), rootOf(d.slice(k))]
      : [...rfc.subproof(m - k, d.slice(k), false), rootOf(d.slice(0, k))];
  },
};

describe('the Merkle tree of RFC 9162', () => {
  it('hashes leaves and nodes with the RFC prefixes, and the empty tree as SHA-256 of nothing', () => {
    expect(hex(EMPTY_ROOT)).toBe(CT_ROOTS[0]);
    expect(hex(leafHash(new Uint8Array()))).toBe(
      createHash('sha256')
        .update(Buffer.from([0]))
        .digest('hex'),
    );
    const [a, b] = CT_LEAVES;
    expect(hex(nodeHash(a!, b!))).toBe(
      createHash('sha256')
        .update(Buffer.concat([Buffer.from([1]), a!, b!]))
        .digest('hex'),
    );
  });

  it('splits at the largest power of two below n, not at the midpoint', () => {
    expect([2, 3, 4, 5, 6, 7, 8, 9, 1000].map(splitPoint)).toEqual([1, 2, 2, 4, 4, 4, 4, 8, 512]);
  });

  it('gives the published root for every prefix of the reference leaves', () => {
    for (let n = 0; n <= CT_LEAVES.length; n++) {
      expect(hex(rootOf(CT_LEAVES.slice(0, n))), `size ${n}`).toBe(CT_ROOTS[n]);
      expect(hex(treeOf(CT_LEAVES).root(n)), `stored tree, size ${n}`).toBe(CT_ROOTS[n]);
    }
  });

  it('produces and accepts the published inclusion and consistency proofs', () => {
    const tree = treeOf(CT_LEAVES);
    for (const v of CT_INCLUSION) {
      expect(tree.inclusionProof(v.index, v.size).map(hex)).toEqual(v.proof);
      expect(verifyInclusion(CT_LEAVES[v.index]!, v.index, v.size, v.proof.map(unhex), unhex(CT_ROOTS[v.size]!))).toBe(
        true,
      );
    }
    for (const v of CT_CONSISTENCY) {
      expect(tree.consistencyProof(v.first, v.second).map(hex)).toEqual(v.proof);
      expect(
        verifyConsistency(v.first, v.second, unhex(CT_ROOTS[v.first]!), unhex(CT_ROOTS[v.second]!), v.proof.map(unhex)),
      ).toBe(true);
    }
  });

  const N = 300;
  const leaves = Array.from({ length: N }, (_, i) => leafHash(new TextEncoder().encode(`document ${i}`)));
  const tree = treeOf(leaves);
  const roots = Array.from({ length: N + 1 }, (_, n) => rootOf(leaves.slice(0, n)));

  it(`stores the same roots as the RFC's recursion for every size up to ${N}`, () => {
    for (let n = 0; n <= N; n++) expect(hex(tree.root(n))).toBe(hex(roots[n]!));
  });

  it(`proves and verifies the inclusion of every leaf in every tree up to ${N} leaves, as PATH defines`, () => {
    for (let n = 1; n <= N; n++) {
      for (let m = 0; m < n; m++) {
        const proof = tree.inclusionProof(m, n);
        if (n <= 64) expect(proof.map(hex)).toEqual(rfc.path(m, leaves.slice(0, n)).map(hex));
        expect(verifyInclusion(leaves[m]!, m, n, proof, roots[n]!)).toBe(true);
      }
    }
  });

  it(`proves and verifies the consistency of every pair of sizes up to ${N}, as SUBPROOF defines`, () => {
    for (let second = 0; second <= N; second++) {
      for (let first = 0; first <= second; first++) {
        const proof = tree.consistencyProof(first, second);
        if (second <= 64 && first > 0 && first < second)
          expect(proof.map(hex)).toEqual(rfc.subproof(first, leaves.slice(0, second), true).map(hex));
        expect(verifyConsistency(first, second, roots[first]!, roots[second]!, proof)).toBe(true);
      }
    }
  });

  it('refuses tampered inclusion proofs: a flipped bit, a swap, a cut, an extra hash, the wrong leaf, index or size', () => {
    for (let n = 2; n <= 130; n++) {
      for (let m = 0; m < n; m++) {
        const proof = tree.inclusionProof(m, n);
        const root = roots[n]!;
        const flipped = proof.map((p) => p.slice());
        flipped[m % proof.length]![5]! ^= 1;
        expect(verifyInclusion(leaves[m]!, m, n, flipped, root)).toBe(false);
        if (proof.length >= 2)
          expect(verifyInclusion(leaves[m]!, m, n, [proof[1]!, proof[0]!, ...proof.slice(2)], root)).toBe(false);
        expect(verifyInclusion(leaves[m]!, m, n, proof.slice(0, -1), root)).toBe(false);
        expect(verifyInclusion(leaves[m]!, m, n, [...proof, leaves[0]!], root)).toBe(false);
        expect(verifyInclusion(leaves[(m + 1) % n]!, m, n, proof, root)).toBe(false);
        expect(verifyInclusion(leaves[m]!, (m + 1) % n, n, proof, root)).toBe(false);
        expect(verifyInclusion(leaves[m]!, m, n + 1, proof, roots[n + 1]!)).toBe(false);
        expect(verifyInclusion(leaves[m]!, m, n, proof, roots[n - 1]!)).toBe(false);
      }
    }
  });

  it('refuses tampered consistency proofs, and roots that do not match', () => {
    for (let second = 2; second <= 130; second++) {
      for (let first = 1; first < second; first++) {
        const proof = tree.consistencyProof(first, second);
        const [r1, r2] = [roots[first]!, roots[second]!];
        const flipped = proof.map((p) => p.slice());
        flipped[first % proof.length]![0]! ^= 0x80;
        expect(verifyConsistency(first, second, r1, r2, flipped)).toBe(false);
        if (proof.length >= 2 && hex(proof[0]!) !== hex(proof[1]!))
          expect(verifyConsistency(first, second, r1, r2, [proof[1]!, proof[0]!, ...proof.slice(2)])).toBe(false);
        expect(verifyConsistency(first, second, r1, r2, proof.slice(0, -1))).toBe(false);
        expect(verifyConsistency(first, second, r1, r2, [...proof, leaves[0]!])).toBe(false);
        // A rewritten history: the first tree's root is not the one the second tree extends.
        expect(verifyConsistency(first, second, roots[first - 1]!, r2, proof)).toBe(false);
        expect(verifyConsistency(first, second, r1, roots[second - 1]!, proof)).toBe(false);
      }
    }
  });

  it('handles the edges: the empty tree, equal sizes, malformed input (false, never a throw)', () => {
    expect(verifyConsistency(0, 8, EMPTY_ROOT, roots[8]!, [])).toBe(true);
    expect(verifyConsistency(0, 8, roots[1]!, roots[8]!, [])).toBe(false);
    expect(verifyConsistency(4, 4, roots[4]!, roots[4]!, [])).toBe(true);
    expect(verifyConsistency(4, 4, roots[4]!, roots[5]!, [])).toBe(false);
    expect(verifyConsistency(5, 4, roots[5]!, roots[4]!, [])).toBe(false);
    expect(verifyConsistency(3, 8, roots[3]!, roots[8]!, [])).toBe(false);
    const proof = tree.inclusionProof(5, 8);
    expect(verifyInclusion(leaves[5]!, 8, 8, proof, roots[8]!)).toBe(false);
    expect(verifyInclusion(leaves[5]!, -1, 8, proof, roots[8]!)).toBe(false);
    expect(verifyInclusion(leaves[5]!.subarray(0, 31), 5, 8, proof, roots[8]!)).toBe(false);
    expect(verifyInclusion(leaves[5]!, 5, 8, [new Uint8Array(31), ...proof.slice(1)], roots[8]!)).toBe(false);
    expect(verifyInclusion(leaves[5]!, 5, 8, 'nope' as unknown as Uint8Array[], roots[8]!)).toBe(false);
    expect(() => inclusionProof(tree.subtree, 8, 8)).toThrow(RangeError);
    expect(() => consistencyProof(tree.subtree, 5, 3)).toThrow(RangeError);
    expect(() => tree.root(N + 1)).toThrow(RangeError);
  });

  it('a compact range (what a monitor keeps) has the same root as the whole tree, at every size', () => {
    const range = new CompactRange();
    for (let n = 1; n <= N; n++) {
      range.append(leaves[n - 1]!);
      expect(hex(range.root())).toBe(hex(roots[n]!));
      expect(range.hashes.length).toBe(n.toString(2).replaceAll('0', '').length);
    }
    const resumed = new CompactRange(range.size, [...range.hashes]);
    expect(hex(resumed.root())).toBe(hex(roots[N]!));
    expect(() => new CompactRange(3, [leaves[0]!])).toThrow(RangeError);
  });
});
