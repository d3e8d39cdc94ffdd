// The descending storm's figures (./descending.ts measures them) and verdicts: the ledger read back
// from the database (exactly one entry, the winner's, at the price asked, hash-chained from genesis,
// the lot's price and last hash agreeing), the problems that fail the run, and the report's table.
import { GENESIS_HASH, ledgerEntryHash } from '../../server/shared/hash-chain.ts';
import type { Sql } from './database.ts';
import type { LatencySummary } from './hist.ts';

/** An acceptance the admission door shed (503 UNAVAILABLE, not placed) while the process could not keep up. */
export const SHED = 'UNAVAILABLE/overloaded';

/** The descending storm's figures (./descending.ts measures them). */
export interface DescendingResult {
  lotId: number;
  bidders: number;
  intervalSeconds: number;
  priceAsked: number;
  /** How long before the price's next fall the acceptances went out (ms). */
  marginMs: number;
  /** From the first acceptance handed to the HTTP client to the last (one process sends all). */
  sendSpreadMs: number;
  accepted: number;
  winner: { bidderCode: string; seq: number; amount: number; ackMs: number } | null;
  /**
   * Refusals by `CODE/reason`: only LOT_NOT_LIVE/lot_sold and PRICE_CHANGED/price_changed are right,
   * and UNAVAILABLE/overloaded (shed by the admission door, not placed) when its retry is refused rightly.
   */
  refusals: Record<string, number>;
  /** The answers to the shed acceptances sent again with their Idempotency-Key, by `CODE/reason`. */
  retried: Record<string, number>;
  /** Transport failures and answers that are neither 201 nor a refusal, with a few samples. */
  errors: number;
  errorSamples: string[];
  /** Every answer, from the instant the acceptances went out. */
  ack: LatencySummary | null;
  /** From that instant: the watcher's `lot` event that ended bidding, its `lot` event `closed`, GET showing `closed`. */
  seen: { watcherSoldMs: number | null; watcherClosedMs: number | null; getClosedMs: number | null };
  /** The lot as GET shows it at the end. */
  lotAfter: { status: string; finalPrice: number | null; winnerBidderCode: string | null };
  ledger: DescendingLedger;
  setupMs: { registerMs: number; approveMs: number; totalMs: number };
}

export interface DescendingLedger {
  entries: number;
  /** The amount of each entry (one expected). */
  amounts: number[];
  atPriceAsked: boolean;
  winnerMatches: boolean;
  hashChainIntact: boolean;
  lotStatus: string;
  lotPrice: number | null;
  ok: boolean;
}

interface Row {
  seq: number;
  kind: 'bid' | 'withdrawal';
  amount: string;
  bidder_code: string;
  placed_at: Date;
  withdraws_seq: number | null;
  commitment: string | null;
  salt: string | null;
  prev_hash: string;
  hash: string;
}

export async function checkDescendingLedger(
  sql: Sql,
  lotId: number,
  priceAsked: number,
  winnerCode: string | null,
): Promise<DescendingLedger> {
  const [rows, [lot]] = await sql.begin('isolation level repeatable read read only', async (tx) => [
    await tx<Row[]>`select seq, kind, amount, bidder_code, placed_at, withdraws_seq, commitment, salt, prev_hash, hash
                      from ledger_entries where lot_id = ${lotId} order by seq`,
    await tx<
      { status: string; current_price: string | null; last_hash: string | null }[]
    >`select status, current_price, last_hash from lots where id = ${lotId}`,
  ]);
  let prev = GENESIS_HASH;
  let hashChainIntact = true;
  for (const r of rows) {
    const expected = ledgerEntryHash(prev, {
      lotId,
      seq: r.seq,
      kind: r.kind,
      amount: Number(r.amount),
      bidderCode: r.bidder_code,
      placedAt: r.placed_at.toISOString(),
      withdrawsSeq: r.withdraws_seq,
      commitment: r.commitment,
      salt: r.salt,
    });
    if (r.prev_hash !== prev || r.hash !== expected) hashChainIntact = false;
    prev = r.hash;
  }
  if ((lot.last_hash ?? GENESIS_HASH) !== prev) hashChainIntact = false;
  const amounts = rows.map((r) => Number(r.amount));
  const lotPrice = lot.current_price === null ? null : Number(lot.current_price);
  const atPriceAsked =
    rows.length === 1 && amounts[0] === priceAsked && rows[0].kind === 'bid' && lotPrice === priceAsked;
  const winnerMatches = rows.length === 1 && rows[0].bidder_code === winnerCode;
  return {
    entries: rows.length,
    amounts,
    atPriceAsked,
    winnerMatches,
    hashChainIntact,
    lotStatus: lot.status,
    lotPrice,
    ok: atPriceAsked && winnerMatches && hashChainIntact && lot.status === 'closed',
  };
}

/** Refusals a losing acceptance may get: sold to another, or (the price just fell) the price moved. */
const RIGHT_REFUSALS = new Set(['LOT_NOT_LIVE/lot_sold', 'PRICE_CHANGED/price_changed']);

export function descendingProblems(d: DescendingResult | undefined): string[] {
  if (!d) return [];
  const p: string[] = [];
  if (d.accepted !== 1) p.push(`descending: ${d.accepted} acceptances won (exactly 1 must)`);
  // A shed acceptance was not placed (503): no wrong outcome as long as its retry was refused rightly.
  const wrong = [
    ...Object.entries(d.refusals).filter(([k]) => !RIGHT_REFUSALS.has(k) && k !== SHED),
    ...Object.entries(d.retried)
      .filter(([k]) => !RIGHT_REFUSALS.has(k))
      .map(([k, n]) => [`${k} on retry`, n] as const),
  ];
  if (wrong.length)
    p.push(`descending: refusals other than sold or price changed: ${wrong.map(([k, n]) => `${n} ${k}`).join(', ')}`);
  if (d.errors) p.push(`descending: ${d.errors} acceptances unanswered or failed (${d.errorSamples[0]})`);
  const l = d.ledger;
  if (!l.ok)
    p.push(
      `descending ledger: ${[
        l.entries !== 1 && `${l.entries} entries (amounts ${l.amounts.join(', ')})`,
        !l.atPriceAsked && `not one entry at the price asked ${d.priceAsked} (lot price ${l.lotPrice})`,
        !l.winnerMatches && `the entry is not the acknowledged winner ${d.winner?.bidderCode ?? 'none'}`,
        !l.hashChainIntact && 'hash chain broken',
        l.lotStatus !== 'closed' && `lot ${l.lotStatus}, not closed`,
      ]
        .filter(Boolean)
        .join(', ')}`,
    );
  if (d.lotAfter.status !== 'closed' || d.lotAfter.finalPrice !== d.priceAsked)
    p.push(
      `descending: GET shows the lot ${d.lotAfter.status} at ${d.lotAfter.finalPrice}, not closed at ${d.priceAsked}`,
    );
  if (d.seen.watcherClosedMs === null) p.push('descending: the watcher never saw the lot closed');
  return p;
}

const f = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : String(v));

export function renderDescending(d: DescendingResult): string {
  const refusals =
    Object.entries(d.refusals)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ') || 'none';
  const retried = Object.entries(d.retried)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  const a = d.ack;
  return `#### Descending storm (issue 16)

${d.bidders} approved bidders of a descending lot (price falling every ${d.intervalSeconds} s), each on its own keep-alive HTTP connection opened beforehand, send \`POST /api/lots/${d.lotId}/bids {amount: ${d.priceAsked}}\` (the price asked) at the same instant, ${d.marginMs} ms before the price's next fall; the last left the client ${d.sendSpreadMs} ms after the first. Times in ms from that instant.

| acceptances | won | refusals | ack p50 | ack p99 | ack max | winner's ack | bidding ended, watcher | closed, watcher | closed, GET | ledger |
|---|---|---|---|---|---|---|---|---|---|---|
| ${d.bidders} | ${d.accepted} | ${refusals}${retried ? `; shed ones sent again: ${retried}` : ''}${d.errors ? `; ${d.errors} unanswered` : ''} | ${f(a?.p50)} | ${f(a?.p99)} | ${f(a?.max)} | ${f(d.winner?.ackMs)} | ${f(d.seen.watcherSoldMs)} | ${f(d.seen.watcherClosedMs)} | ${f(d.seen.getClosedMs)} | ${d.ledger.entries} ${d.ledger.entries === 1 ? 'entry' : 'entries'}${d.ledger.ok ? ' at the price asked, chained' : ' WRONG'} |`;
}
