// The terms each watched lot's next minimum is computed from (its starting price and step), so that
// every accepted bid is broadcast with the minimum the rules give once it stands (rules' minimumBid):
// no page works it out. Terms come with every watch snapshot; they are final once registration opens
// (edits are refused from then on: rules' termsEditable), and bids only come later still, so terms
// seen before that are read again before they are used. A bid broadcast while they are being read
// goes out without its minimum (the page then reads the lot).
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { lots } from '../../db/schema.ts';
import { minimumBid, termsEditable } from '../auctions/rules/index.ts';
import type { PublicEntry } from '../shared/events.ts';
import type { Logger } from '../shared/log.ts';
import type { LiveEntry } from './events.ts';

export interface Terms {
  startingPrice: number;
  priceStep: number;
  /** Only an ascending lot's bid sets the next minimum (a descending acceptance ends the lot; sealed bids come at the end). */
  ascending: boolean;
  /** The terms can no longer change (registration has opened). */
  final: boolean;
}

/** Reads a lot's terms as they are now (undefined: no such lot). */
export async function readTerms(db: Db, lotId: number, now: Date): Promise<Terms | undefined> {
  const [row] = await db
    .select({
      status: lots.status,
      registrationOpensAt: lots.registrationOpensAt,
      startingPrice: lots.startingPrice,
      priceStep: lots.priceStep,
      method: lots.method,
    })
    .from(lots)
    .where(eq(lots.id, lotId))
    .limit(1);
  return (
    row && {
      startingPrice: row.startingPrice,
      priceStep: row.priceStep,
      ascending: row.method === 'ascending',
      final: !termsEditable(row, now),
    }
  );
}

export class LotTerms {
  private readonly held = new Map<number, Terms>();
  private readonly reading = new Set<number>();
  private readonly read: (lotId: number) => Promise<Terms | undefined>;
  private readonly log: Logger;

  constructor(options: { read: (lotId: number) => Promise<Terms | undefined>; log: Logger }) {
    this.read = options.read;
    this.log = options.log;
  }

  /** The lot's terms as a snapshot showed them (a snapshot of a lot whose terms are final wins). */
  saw(lotId: number, terms: Terms): void {
    const held = this.held.get(lotId);
    if (!held?.final || terms.final) this.held.set(lotId, terms);
  }

  /** Nobody here watches the lot any more. */
  drop(lotId: number): void {
    this.held.delete(lotId);
  }

  /** The entries as broadcast: each accepted bid with the next minimum once it stands. */
  live(lotId: number, entries: PublicEntry[]): LiveEntry[] {
    const terms = this.held.get(lotId);
    if (!terms?.final) {
      if (entries.some((e) => e.kind === 'bid')) this.refresh(lotId);
      return entries;
    }
    if (!terms.ascending) return entries;
    return entries.map((e) =>
      e.kind === 'bid' ? { ...e, minNextBid: minimumBid(terms, { currentPrice: e.amount }) } : e,
    );
  }

  private refresh(lotId: number): void {
    if (this.reading.has(lotId)) return;
    this.reading.add(lotId);
    this.read(lotId)
      .then((terms) => {
        if (terms) this.saw(lotId, terms);
      })
      .catch((err: unknown) => this.log.warn({ err, lotId }, 'realtime: reading a lot’s terms failed'))
      .finally(() => this.reading.delete(lotId));
  }
}
