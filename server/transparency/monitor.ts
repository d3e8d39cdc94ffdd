// A monitor of the transparency log, as an outsider runs it (`npm run monitor`; monitor-cli.ts): fetch
// the latest signed tree head, check its signature against the published keys, prove it consistent
// with the last head this monitor saw (RFC 9162 §2.1.4), then fetch the leaves added since and check
// that they, appended to the tree this monitor already holds (a compact range: log2 n hashes), give
// exactly the signed root. With `full`, every leaf is fetched again from the first, and the tree is
// also checked against the last head seen; otherwise a sample of the earlier leaves is checked again
// by their inclusion proofs. Either way a leaf rewritten in place is caught even while the log still
// serves the roots it computed before. Only HTTP GETs of the public log routes; no database, no secrets.
import type { Jwks } from '../records/jws.ts';
import { CompactRange, leafHash, verifyConsistency, verifyInclusion } from './merkle.ts';
import { decodeHash, encodeHash, verifyTreeHead, type SignedTreeHead } from './tree-head.ts';

/** What a monitor keeps between runs (a JSON file). */
export interface MonitorState {
  version: 1;
  /** The log's base URL (the platform's origin). */
  url: string;
  treeHead: SignedTreeHead;
  /** The compact range of the tree at treeHead.treeSize (base64url hashes). */
  range: string[];
  checkedAt: string;
}

export type MonitorOutcome =
  | {
      ok: true;
      treeHead: SignedTreeHead;
      previous: number | null;
      /** New leaves fetched and checked against the signed root. */
      leavesChecked: number;
      /** Earlier leaves spot-checked again by their inclusion proofs. */
      earlierChecked: number;
      state: MonitorState;
    }
  | { ok: false; problem: 'inconsistent'; reason: string }
  | { ok: false; problem: 'unreachable'; reason: string };

export class MonitorFetchError extends Error {}

/** Earlier leaves spot-checked on each run unless told otherwise. */
export const DEFAULT_SAMPLE = 32;

/** `count` distinct random indexes below `size` (all of them when size ≤ count), ascending. */
function sampleIndexes(size: number, count: number): number[] {
  if (size <= count) return Array.from({ length: size }, (_, i) => i);
  const picked = new Set<number>();
  const random = new Uint32Array(1);
  while (picked.size < count) {
    crypto.getRandomValues(random);
    picked.add(random[0]! % size);
  }
  return [...picked].sort((a, b) => a - b);
}

type Get = (path: string) => Promise<unknown>;

function httpGet(base: string, timeoutMs: number): Get {
  return async (path) => {
    const url = `${base.replace(/\/+$/, '')}${path}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    } catch (err) {
      throw new MonitorFetchError(`cannot fetch ${url}: ${(err as Error).message}`);
    }
    if (!res.ok) throw new MonitorFetchError(`${url} answered HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
    return res.json();
  };
}

const inconsistent = (reason: string): MonitorOutcome => ({ ok: false, problem: 'inconsistent', reason });

export async function monitorOnce(opts: {
  url: string;
  state: MonitorState | undefined;
  jwks?: Jwks;
  full?: boolean;
  /** How many leaves seen in earlier runs to spot-check again (default DEFAULT_SAMPLE). */
  sample?: number;
  timeoutMs?: number;
}): Promise<MonitorOutcome> {
  const get = httpGet(opts.url, opts.timeoutMs ?? 15_000);
  try {
    const jwks = opts.jwks ?? ((await get('/api/.well-known/jwks.json')) as Jwks);
    const checked = await verifyTreeHead(await get('/api/log/sth'), jwks);
    if (!checked.ok) return inconsistent(`the latest tree head is not valid: ${checked.reason}`);
    const head = checked.head;
    const old = opts.state?.treeHead;
    if (old) {
      if (head.treeSize < old.treeSize)
        return inconsistent(`the log shrank: it signed ${old.treeSize} leaves before and ${head.treeSize} now`);
      if (head.treeSize === old.treeSize && head.rootHash !== old.rootHash)
        return inconsistent(
          `two different roots for ${head.treeSize} leaves: ${old.rootHash} before, ${head.rootHash} now (the log was rewritten)`,
        );
      if (old.treeSize > 0 && head.treeSize > old.treeSize) {
        const answer = (await get(`/api/log/proof/consistency?first=${old.treeSize}&second=${head.treeSize}`)) as {
          consistency?: unknown;
        };
        const proof = Array.isArray(answer.consistency) ? answer.consistency.map(decodeHash) : [undefined];
        if (
          proof.some((p) => !p) ||
          !verifyConsistency(
            old.treeSize,
            head.treeSize,
            decodeHash(old.rootHash)!,
            decodeHash(head.rootHash)!,
            proof as Uint8Array[],
          )
        )
          return inconsistent(
            `the tree of ${head.treeSize} leaves does not extend the tree of ${old.treeSize} leaves this monitor saw (root ${old.rootHash}): the consistency proof fails, so the log was rewritten`,
          );
      }
    }

    // The leaves: from where this monitor's tree ends (or from the first, for a full check).
    const fromState = !opts.full && opts.state ? opts.state : undefined;
    const range = fromState
      ? new CompactRange(
          fromState.treeHead.treeSize,
          fromState.range.map((h) => decodeHash(h)!),
        )
      : new CompactRange();
    let checkedLeaves = 0;
    while (range.size < head.treeSize) {
      const page = (await get(`/api/log/leaves?start=${range.size}&end=${head.treeSize}`)) as {
        leaves?: { index: number; digest: string; leafHash: string }[];
      };
      const leaves = page.leaves ?? [];
      if (leaves.length === 0)
        return inconsistent(`the log serves no leaf ${range.size} below its size ${head.treeSize}`);
      for (const leaf of leaves) {
        const entry = decodeHash(leaf.digest);
        if (leaf.index !== range.size || !entry)
          return inconsistent(`leaf ${range.size} is missing or malformed in the log's answer`);
        const hash = leafHash(entry);
        if (encodeHash(hash) !== leaf.leafHash)
          return inconsistent(`leaf ${leaf.index}'s leaf hash is not SHA-256(0x00 || its digest)`);
        range.append(hash);
        checkedLeaves++;
        if (old && range.size === old.treeSize && encodeHash(range.root()) !== old.rootHash)
          return inconsistent(
            `the log's first ${old.treeSize} leaves, as served now, do not give the root signed before (${old.rootHash}): a leaf was rewritten`,
          );
        if (range.size === head.treeSize) break;
      }
    }
    if (encodeHash(range.root()) !== head.rootHash)
      return inconsistent(
        `the leaves the log serves do not give its signed root for ${head.treeSize} leaves (${head.rootHash}): a leaf was rewritten`,
      );
    // Leaves checked in earlier runs, spot-checked again: each as the log serves it now must be in the
    // signed tree (a leaf rewritten in place fails its own inclusion proof even while the log serves
    // roots it computed before the rewrite). All of them while there are no more than `sample`.
    let spotChecked = 0;
    if (!opts.full && old && old.treeSize > 0) {
      for (const index of sampleIndexes(old.treeSize, opts.sample ?? DEFAULT_SAMPLE)) {
        const page = (await get(`/api/log/leaves?start=${index}&end=${index + 1}`)) as {
          leaves?: { index: number; digest: string }[];
        };
        const leaf = page.leaves?.[0];
        const entry = leaf && leaf.index === index ? decodeHash(leaf.digest) : undefined;
        if (!leaf || !entry) return inconsistent(`the log no longer serves leaf ${index}`);
        const proof = (await get(`/api/log/proof/inclusion?hash=${leaf.digest}&treeSize=${head.treeSize}`)) as {
          leafIndex?: unknown;
          auditPath?: unknown;
        };
        const path = Array.isArray(proof.auditPath) ? proof.auditPath.map(decodeHash) : [undefined];
        if (
          proof.leafIndex !== index ||
          path.some((p) => !p) ||
          !verifyInclusion(leafHash(entry), index, head.treeSize, path as Uint8Array[], decodeHash(head.rootHash)!)
        )
          return inconsistent(
            `leaf ${index}, as the log serves it now (${leaf.digest}), is not in its signed tree of ${head.treeSize} leaves: a leaf was rewritten`,
          );
        spotChecked++;
      }
    }
    return {
      ok: true,
      treeHead: head,
      previous: old?.treeSize ?? null,
      leavesChecked: checkedLeaves,
      earlierChecked: spotChecked,
      state: {
        version: 1,
        url: opts.url,
        treeHead: head,
        range: range.hashes.map(encodeHash),
        checkedAt: new Date().toISOString(),
      },
    };
  } catch (err) {
    if (err instanceof MonitorFetchError) return { ok: false, problem: 'unreachable', reason: err.message };
    throw err;
  }
}

/** Reads a state file's JSON, or explains why it is not one. */
export function parseMonitorState(text: string): MonitorState {
  const value = JSON.parse(text) as MonitorState;
  if (
    value?.version !== 1 ||
    typeof value.url !== 'string' ||
    !value.treeHead ||
    !Array.isArray(value.range) ||
    value.range.some((h) => !decodeHash(h))
  )
    throw new TypeError('not a monitor state file of this version');
  new CompactRange(
    value.treeHead.treeSize,
    value.range.map((h) => decodeHash(h)!),
  );
  return value;
}
