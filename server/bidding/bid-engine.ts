// The bid path's in-process serialization: one queue per lot. While one batch transaction for a lot
// is in flight, arriving bids wait; the next transaction takes all of them (up to MAX_BATCH) and
// commits them together (group commit), so a hot lot costs one durable commit per batch rather than
// per bid. Answers are sent only after the commit; post-commit events are published in seq order
// before the next batch of the same lot starts. Exclusive tasks (closing a lot) run between batches,
// after every bid that reached this process before them.
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { fail, type Result } from '../shared/errors.ts';
import { commitBatch, type BatchItem, type WithdrawAck } from './bid-batch.ts';
import type { BidAck, BidService, PlaceBidInput } from './types.ts';

/** The most bids one transaction commits. */
export const MAX_BATCH = 256;
const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

type Queued =
  | { kind: 'item'; item: BatchItem; resolve: (r: Result<BidAck | WithdrawAck>) => void; reject: (e: unknown) => void }
  | { kind: 'task'; run: () => Promise<void> };

export class BidEngine implements BidService {
  private readonly ctx: AppContext;
  private readonly maxBatch: number;
  private readonly queues = new Map<number, Queued[]>();
  private readonly running = new Map<number, Promise<void>>();

  /** `maxBatch: 1` gives one commit per bid (the baseline the benchmark compares against). */
  constructor(ctx: AppContext, options: { maxBatch?: number } = {}) {
    this.ctx = ctx;
    this.maxBatch = Math.max(1, options.maxBatch ?? MAX_BATCH);
  }

  /** Places a bid; resolves after the durable commit (or with the reason it was refused). */
  place(input: PlaceBidInput): Promise<Result<BidAck>> {
    const receivedAt = this.ctx.clock.now();
    if (input.person.level < 2) return Promise.resolve(fail('LEVEL_TOO_LOW', 'Bidding needs an e-ID verified at level 2.'));
    if (!Number.isSafeInteger(input.lotId) || input.lotId <= 0 || input.lotId > 2_147_483_647) return Promise.resolve(fail('NOT_FOUND', 'No such lot.'));
    if (!Number.isSafeInteger(input.amount) || input.amount <= 0) return Promise.resolve(fail('VALIDATION_FAILED', 'The amount must be a positive whole number of VND.', { amount: 'a positive whole number of VND' }));
    if (input.idempotencyKey !== undefined && !KEY_PATTERN.test(input.idempotencyKey)) {
      return Promise.resolve(fail('VALIDATION_FAILED', 'The Idempotency-Key must be 1–200 visible ASCII characters.', { idempotencyKey: '1–200 visible ASCII characters' }));
    }
    const item: BatchItem = { kind: 'bid', person: input.person, amount: input.amount, idempotencyKey: input.idempotencyKey, receivedAt };
    return this.enqueue(input.lotId, item) as Promise<Result<BidAck>>;
  }

  /** Withdraws the person's own standing highest bid (seq) on a lot. */
  withdraw(person: Person, lotId: number, seq: number): Promise<Result<WithdrawAck>> {
    const item: BatchItem = { kind: 'withdraw', person, seq, receivedAt: this.ctx.clock.now() };
    return this.enqueue(lotId, item) as Promise<Result<WithdrawAck>>;
  }

  /** Runs fn alone on the lot's queue: after every bid queued before it, before any queued after. */
  exclusive<T>(lotId: number, fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.push(lotId, { kind: 'task', run: () => fn().then(resolve, reject) });
    });
  }

  /** Resolves once every queue is empty (shutdown waits for in-flight bids to be answered). */
  async drain(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running.values()]);
  }

  private enqueue(lotId: number, item: BatchItem): Promise<Result<BidAck | WithdrawAck>> {
    return new Promise((resolve, reject) => this.push(lotId, { kind: 'item', item, resolve, reject }));
  }

  private push(lotId: number, q: Queued): void {
    const queue = this.queues.get(lotId);
    if (queue) queue.push(q);
    else this.queues.set(lotId, [q]);
    if (!this.running.has(lotId)) {
      const run = this.pump(lotId).finally(() => this.running.delete(lotId));
      this.running.set(lotId, run);
    }
  }

  private async pump(lotId: number): Promise<void> {
    for (;;) {
      const queue = this.queues.get(lotId);
      if (!queue || queue.length === 0) {
        this.queues.delete(lotId);
        return;
      }
      const head = queue[0];
      if (head.kind === 'task') {
        queue.shift();
        await head.run().catch((err: unknown) => this.ctx.log.error({ err, lotId }, 'exclusive lot task failed'));
        continue;
      }
      let n = 0;
      while (n < queue.length && n < this.maxBatch && queue[n].kind === 'item') n++;
      const batch = queue.splice(0, n) as Extract<Queued, { kind: 'item' }>[];
      await this.commit(lotId, batch);
    }
  }

  private async commit(lotId: number, batch: Extract<Queued, { kind: 'item' }>[]): Promise<void> {
    let outcome;
    try {
      outcome = await commitBatch(this.ctx, lotId, batch.map((b) => b.item));
    } catch (err) {
      if (batch.length > 1) {
        // Retry one by one, so that one bad item (or a transient failure) does not fail the others.
        this.ctx.log.warn({ err, lotId, size: batch.length }, 'bid batch failed; retrying its bids one by one');
        for (const b of batch) await this.commit(lotId, [b]);
      } else {
        batch[0].reject(err);
      }
      return;
    }
    batch.forEach((b, i) => b.resolve(outcome.results[i]));
    const { events } = this.ctx;
    if (outcome.entries.length) events.publish('entries', { lotId, entries: outcome.entries });
    for (const p of outcome.personal) events.publish('personal', p);
    for (const change of outcome.lotChanges) events.publish('lot', change);
  }
}
