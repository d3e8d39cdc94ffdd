// The Merkle tree of the transparency log, exactly as RFC 9162 §2.1 defines it (the hashing of
// RFC 6962, Certificate Transparency): SHA-256, a leaf hashed as H(0x00 || entry), a node as
// H(0x01 || left || right), the tree over n leaves split at the largest power of two below n.
// Inclusion proofs (PATH, §2.1.3) and consistency proofs (PROOF/SUBPROOF, §2.1.4) are generated from
// any source of subtree hashes, and verified by the RFC's own iterative algorithms, which need only
// the proof, the sizes and the roots. Free of database and Node-only imports: the log server, the
// monitor and the offline record verifier all use it, and so could a browser.
//
// SHA-256 comes from @noble/hashes (audited, maintained, the same code in Node and browsers).
import { sha256 } from '@noble/hashes/sha2';

export const HASH_SIZE = 32;

/** The root of the empty tree: SHA-256 of the empty string (§2.1.1). */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

/** The hash of one leaf: SHA-256(0x00 || entry). */
export function leafHash(entry: Uint8Array): Uint8Array {
  const input = new Uint8Array(entry.length + 1);
  input[0] = 0x00;
  input.set(entry, 1);
  return sha256(input);
}

/** The hash of an interior node: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE)
    throw new TypeError('a node hash joins two 32-byte hashes');
  const input = new Uint8Array(1 + 2 * HASH_SIZE);
  input[0] = 0x01;
  input.set(left, 1);
  input.set(right, 1 + HASH_SIZE);
  return sha256(input);
}

/** k, the largest power of two smaller than n (n ≥ 2): where the RFC splits a tree of n leaves. */
export function splitPoint(n: number): number {
  if (!Number.isSafeInteger(n) || n < 2) throw new RangeError(`a tree of ${n} leaves has no split`);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[start:end]) for a source that knows the leaf hashes. */
export type SubtreeHash = (start: number, end: number) => Uint8Array;

/** MTH of a list of leaf hashes, by the RFC's recursion (the reference definition). */
export function rootOf(leaves: readonly Uint8Array[]): Uint8Array {
  const mth = (start: number, end: number): Uint8Array => {
    const n = end - start;
    if (n === 0) return EMPTY_ROOT;
    if (n === 1) return leaves[start]!;
    const k = splitPoint(n);
    return nodeHash(mth(start, start + k), mth(start + k, end));
  };
  return mth(0, leaves.length);
}

function checkSize(size: number, what: string): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`${what} must be a whole number ≥ 0`);
}

/** PATH(m, D[0:n]) (§2.1.3.1): the inclusion proof of leaf `index` in the tree of `size` leaves. */
export function inclusionProof(subtree: SubtreeHash, index: number, size: number): Uint8Array[] {
  checkSize(size, 'the tree size');
  if (!Number.isSafeInteger(index) || index < 0 || index >= size)
    throw new RangeError(`leaf ${index} is not in a tree of ${size} leaves`);
  const path = (m: number, start: number, end: number): Uint8Array[] => {
    const n = end - start;
    if (n === 1) return [];
    const k = splitPoint(n);
    return m < k
      ? [...path(m, start, start + k), subtree(start + k, end)]
      : [...path(m - k, start + k, end), subtree(start, start + k)];
  };
  return path(index, 0, size);
}

/** PROOF(m, D[0:n]) (§2.1.4.1): that the tree of `first` leaves is a prefix of the tree of `second`. */
export function consistencyProof(subtree: SubtreeHash, first: number, second: number): Uint8Array[] {
  checkSize(first, 'the first size');
  checkSize(second, 'the second size');
  if (first > second) throw new RangeError(`a tree of ${first} leaves cannot be a prefix of one of ${second}`);
  if (first === 0 || first === second) return [];
  const sub = (m: number, start: number, end: number, complete: boolean): Uint8Array[] => {
    const n = end - start;
    if (m === n) return complete ? [] : [subtree(start, end)];
    const k = splitPoint(n);
    return m <= k
      ? [...sub(m, start, start + k, complete), subtree(start + k, end)]
      : [...sub(m - k, start + k, end, false), subtree(start, start + k)];
  };
  return sub(first, 0, second, true);
}

function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const wellFormed = (proof: unknown): proof is Uint8Array[] =>
  Array.isArray(proof) && proof.every((p) => p instanceof Uint8Array && p.length === HASH_SIZE);

/** Verifies an inclusion proof by §2.1.3.2. Never throws: anything malformed is simply not a proof. */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!(leaf instanceof Uint8Array) || leaf.length !== HASH_SIZE) return false;
  if (!(root instanceof Uint8Array) || root.length !== HASH_SIZE || !wellFormed(proof)) return false;
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  // BigInt: sizes above 2^31 must not wrap in the shifts.
  let fn = BigInt(index);
  let sn = BigInt(size - 1);
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n)
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equalHashes(r, root);
}

/** Verifies a consistency proof by §2.1.4.2 (and the two trivial cases it leaves out). Never throws. */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!(firstRoot instanceof Uint8Array) || firstRoot.length !== HASH_SIZE) return false;
  if (!(secondRoot instanceof Uint8Array) || secondRoot.length !== HASH_SIZE || !wellFormed(proof)) return false;
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second) return false;
  // The empty tree is a prefix of every tree; a tree is consistent with itself only.
  if (first === 0) return proof.length === 0 && equalHashes(firstRoot, EMPTY_ROOT);
  if (first === second) return proof.length === 0 && equalHashes(firstRoot, secondRoot);
  if (proof.length === 0) return false;
  const path = [...proof];
  if ((first & (first - 1)) === 0) path.unshift(firstRoot);
  let fn = BigInt(first - 1);
  let sn = BigInt(second - 1);
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1n) === 0n)
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equalHashes(fr, firstRoot) && equalHashes(sr, secondRoot);
}

/**
 * Leaf hashes held in memory with every complete subtree's hash, so a root or a proof of any size
 * costs O(log n) hashes: level h holds the hash of each aligned, full run of 2^h leaves. 64 bytes
 * per leaf in all (32 for the leaf, 32 for the interior levels together).
 */
export class MerkleTree {
  private levels: { bytes: Uint8Array; count: number }[] = [{ bytes: new Uint8Array(64 * HASH_SIZE), count: 0 }];

  get size(): number {
    return this.levels[0]!.count;
  }

  /** Appends a leaf hash (not an entry: hash it with leafHash first). */
  append(leaf: Uint8Array): void {
    if (leaf.length !== HASH_SIZE) throw new TypeError('a leaf hash is 32 bytes');
    let hash = leaf;
    for (let h = 0; ; h++) {
      this.levels[h] ??= { bytes: new Uint8Array(64 * HASH_SIZE), count: 0 };
      const level = this.levels[h]!;
      if ((level.count + 1) * HASH_SIZE > level.bytes.length) {
        const grown = new Uint8Array(level.bytes.length * 2);
        grown.set(level.bytes);
        level.bytes = grown;
      }
      level.bytes.set(hash, level.count * HASH_SIZE);
      level.count++;
      if (level.count % 2 === 1) return;
      hash = nodeHash(this.node(h, level.count - 2), this.node(h, level.count - 1));
    }
  }

  private node(h: number, i: number): Uint8Array {
    return this.levels[h]!.bytes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);
  }

  /** The leaf hash at `index`. */
  leaf(index: number): Uint8Array {
    if (index < 0 || index >= this.size) throw new RangeError(`no leaf ${index}`);
    return this.node(0, index).slice();
  }

  /** MTH(D[start:end]), from stored complete subtrees wherever the range allows. */
  readonly subtree: SubtreeHash = (start, end) => {
    if (start < 0 || end > this.size || start > end) throw new RangeError(`no range ${start}..${end}`);
    const n = end - start;
    if (n === 0) return EMPTY_ROOT;
    if ((n & (n - 1)) === 0 && start % n === 0) return this.node(Math.log2(n), start / n).slice();
    const k = splitPoint(n);
    return nodeHash(this.subtree(start, start + k), this.subtree(start + k, end));
  };

  /** The root of the tree of the first `size` leaves (default: all). */
  root(size = this.size): Uint8Array {
    return this.subtree(0, size);
  }

  inclusionProof(index: number, size = this.size): Uint8Array[] {
    if (size > this.size) throw new RangeError(`the tree has ${this.size} leaves, not ${size}`);
    return inclusionProof(this.subtree, index, size);
  }

  consistencyProof(first: number, second = this.size): Uint8Array[] {
    if (second > this.size) throw new RangeError(`the tree has ${this.size} leaves, not ${second}`);
    return consistencyProof(this.subtree, first, second);
  }
}

/**
 * The right edge of a tree: the roots of its complete subtrees, largest first (at most log2 n
 * hashes). Enough to compute the root and to extend the tree with new leaves, without the old
 * ones: what a monitor keeps between runs.
 */
export class CompactRange {
  private count: number;
  private peaks: Uint8Array[];

  constructor(count = 0, peaks: Uint8Array[] = []) {
    if (peaks.length !== popcount(count)) throw new RangeError('a compact range has one hash per set bit of its size');
    this.count = count;
    this.peaks = peaks;
  }

  get size(): number {
    return this.count;
  }

  get hashes(): readonly Uint8Array[] {
    return this.peaks;
  }

  append(leaf: Uint8Array): void {
    if (leaf.length !== HASH_SIZE) throw new TypeError('a leaf hash is 32 bytes');
    let hash = leaf;
    // Merge with equal-sized peaks: one per trailing set bit of the old size.
    for (let n = this.count; n % 2 === 1; n = Math.floor(n / 2)) hash = nodeHash(this.peaks.pop()!, hash);
    this.peaks.push(hash);
    this.count++;
  }

  root(): Uint8Array {
    if (this.peaks.length === 0) return EMPTY_ROOT;
    let r = this.peaks[this.peaks.length - 1]!;
    for (let i = this.peaks.length - 2; i >= 0; i--) r = nodeHash(this.peaks[i]!, r);
    return r;
  }
}

function popcount(n: number): number {
  let c = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) c += x % 2;
  return c;
}
