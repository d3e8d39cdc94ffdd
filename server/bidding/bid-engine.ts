// The bid path's in-process serialization: one queue per lot. While one batch transaction for a lot
// is in flight, arriving bids wait; the next transaction takes all of them (up to MAX_BATCH) and
// commits them together (group commit), so a hot lot costs one durable commit per batch rather than
// per bid. Answers are sent only after the commit; post-commit events are published in seq order
// before the next batch of the same lot starts. Exclusive tasks (closing a lot) run between batches,
// after every bid that reached this process before them.
//
// Every bid is answered within its deadline (BID_TIMEOUT_MS from its arrival): accepted, refused, or
// 503 UNAVAILABLE. Admission control refuses a bid at once when it could not be answered in time (the
// database is down, the lot's queue is full, or the queue ahead would take longer than the time
// left), so overload never turns into a queue of seconds. A bid still waiting in the queue at its
// deadline is dropped unplaced; one whose transaction is in flight is answered "outcome unknown",
// which a retry with the same Idempotency-Key resolves. Every refusal of this kind is counted per lot
// (shed-log.ts) and ends up in the lot's record.
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { requireLevel } from '../identity/authorize.ts';
import { invalid, refuse, type Failure, type Result } from '../shared/errors.ts';
import { fieldError } from '../shared/field-errors.ts';
import {
  DeadlineExceeded,
  errorCodes,
  failedBeforeWriting,
  isUnavailable,
  withDeadline,
} from '../shared/unavailable.ts';
import { isIdempotencyKey, isRowId, isVnd } from '../shared/validation.ts';
import { commitBatch, type BatchItem, type WithdrawAck } from './bid-batch.ts';
import { ShedLog } from './shed-log.ts';
import { presenceOf } from '../attendance/presence.ts';
import { SHED_MESSAGES, type ShedReason } from './shed-reasons.ts';

export { SHED_MESSAGES };
import type { BidAck, BidService, PlaceBidInput } from './types.ts';

/** The most bids one transaction commits. */
export const MAX_BATCH = 256;

type Answer = Result<BidAck | WithdrawAck>;

/** A bid in commit, by its seat (the person's own registration, or the organisation's) and key. */
function committingKey(lotId: number, item: { person: Person; onBehalfOf?: string }, idempotencyKey: string): string {
  return item.onBehalfOf === undefined
    ? `${lotId}\n${item.person.pid}\n${idempotencyKey}`
    : `${lotId}\norg:${item.onBehalfOf}\n${idempotencyKey}`;
}

interface Waiter {
  kind: 'item';
  item: BatchItem;
  /** performance.now() by which the bid must be answered. */
  deadline: number;
  state: 'queued' | 'inflight' | 'answered';
  /** Committed a second time after a duplicate-key conflict (at most once). */
  retried?: boolean;
  timer?: NodeJS.Timeout;
  resolve: (r: Answer) => void;
  reject: (e: unknown) => void;
}

type Queued = Waiter | { kind: 'task'; run: () => Promise<void> };

interface LotQueue {
  items: Queued[];
  /** Waiters in `items` not yet answered (the queue's real length for admission). */
  waiting: number;
  /** Moving average of one commit's duration on this lot, in ms. */
  commitMs: number;
}

export interface BidEngineOptions {
  /** `maxBatch: 1` gives one commit per bid (the baseline the benchmark compares against). */
  maxBatch?: number;
  /** Where shed bids are counted (default: a log of the engine's own). */
  shedLog?: ShedLog;
}

export class BidEngine implements BidService {
  private readonly ctx: AppContext;
  private readonly maxBatch: number;
  private readonly queues = new Map<number, LotQueue>();
  private readonly running = new Map<number, Promise<void>>();
  /** Commits still running after every bid in them was answered (the database stopped answering). */
  private readonly orphans = new Set<Promise<unknown>>();
  /**
   * The Idempotency-Keys (lot, person, key) of bids whose commit is running, from its start, not only
   * once it outlives its deadline: a retry sent the moment its first try was answered "outcome unknown"
   * (before the pump has given up on that commit) still finds it, and waits for it.
   */
  private readonly committingKeys = new Map<string, Promise<unknown>>();
  readonly shedLog: ShedLog;

  constructor(ctx: AppContext, options: BidEngineOptions = {}) {
    this.ctx = ctx;
    this.maxBatch = Math.max(1, options.maxBatch ?? MAX_BATCH);
    this.shedLog = options.shedLog ?? new ShedLog();
  }

  private get limits(): AppContext['config']['limits'] {
    return this.ctx.config.limits;
  }

  /**
   * Places a bid; resolves after the durable commit (or with the reason it was refused), never later
   * than `deadline` (performance.now() milliseconds; default BID_TIMEOUT_MS from now).
   */
  place(input: PlaceBidInput): Promise<Result<BidAck>> {
    const receivedAt = this.ctx.clock.now();
    const allowed = requireLevel(input.person, 2);
    if (!allowed.ok) return Promise.resolve(allowed);
    if (!isRowId(input.lotId)) return Promise.resolve(refuse('lot_not_found'));
    if (!isVnd(input.amount)) return Promise.resolve(invalid({ amount: fieldError('NOT_VND') }));
    if (input.idempotencyKey !== undefined && !isIdempotencyKey(input.idempotencyKey)) {
      return Promise.resolve(invalid({ idempotencyKey: fieldError('NOT_IDEMPOTENCY_KEY') }));
    }
    const item: BatchItem = {
      kind: 'bid',
      person: input.person,
      amount: input.amount,
      idempotencyKey: input.idempotencyKey,
      ...(input.onBehalfOf === undefined ? {} : { onBehalfOf: input.onBehalfOf }),
      receivedAt,
    };
    return this.enqueue(input.lotId, item, input.deadline) as Promise<Result<BidAck>>;
  }

  /** Withdraws the person's own standing highest bid (seq) on a lot. */
  withdraw(person: Person, lotId: number, seq: number, onBehalfOf?: string): Promise<Result<WithdrawAck>> {
    const item: BatchItem = {
      kind: 'withdraw',
      person,
      seq,
      ...(onBehalfOf === undefined ? {} : { onBehalfOf }),
      receivedAt: this.ctx.clock.now(),
    };
    return this.enqueue(lotId, item) as Promise<Result<WithdrawAck>>;
  }

  /**
   * Runs fn alone on the lot's queue: after every bid queued before it, before any queued after.
   * Bounded: past REQUEST_TIMEOUT_MS the queue moves on and the caller gets DeadlineExceeded (fn
   * itself is not cancelled; closing is idempotent and is simply tried again later).
   */
  exclusive<T>(lotId: number, fn: () => Promise<T>): Promise<T> {
    const bound = this.limits.requestTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      this.push(lotId, {
        kind: 'task',
        run: () =>
          withDeadline(fn(), bound, `exclusive task on lot ${lotId}`).then(resolve, (err: unknown) => {
            reject(err);
            throw err;
          }),
      });
    });
  }

  /** Resolves once every queue is empty and abandoned commits have settled (shutdown). */
  async drain(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running.values()]);
    await withDeadline(Promise.allSettled([...this.orphans]), this.limits.requestTimeoutMs, 'abandoned commits').catch(
      () => {},
    );
  }

  /** Bids waiting in this process for a lot (tests, metrics). */
  waiting(lotId: number): number {
    return this.queues.get(lotId)?.waiting ?? 0;
  }

  private shed(lotId: number, reason: ShedReason): Failure {
    this.shedLog.record(lotId, reason, new Date());
    return refuse(reason);
  }

  private enqueue(lotId: number, item: BatchItem, deadline?: number): Promise<Answer> {
    const now = performance.now();
    const due = deadline ?? now + this.limits.bidTimeoutMs;
    // Past its deadline before it got here (a slow sign-in on a loaded process): the caller's own
    // bound has already answered the client and counted it, so it is neither placed nor counted again.
    if (now >= due) return Promise.resolve(refuse('timeout'));
    const firstTry =
      item.kind === 'bid' && item.idempotencyKey
        ? this.committingKeys.get(committingKey(lotId, item, item.idempotencyKey))
        : undefined;
    if (firstTry) return this.afterFirstTry(lotId, item, due, firstTry);
    if (!this.ctx.database.health.up) return Promise.resolve(this.shed(lotId, 'database_unavailable'));
    const queue = this.queueOf(lotId);
    if (queue.waiting >= this.limits.bidQueueMax) return Promise.resolve(this.shed(lotId, 'queue_full'));
    // Batches ahead of this bid (plus the one in flight), each taking about one commit's time.
    const batchesAhead = Math.ceil((queue.waiting + 1) / this.maxBatch) + (this.running.has(lotId) ? 1 : 0);
    if (now + batchesAhead * queue.commitMs > due) return Promise.resolve(this.shed(lotId, 'overloaded'));
    return new Promise<Answer>((resolve, reject) => {
      const waiter: Waiter = { kind: 'item', item, deadline: due, state: 'queued', resolve, reject };
      waiter.timer = setTimeout(() => this.expire(lotId, waiter), Math.max(0, due - now));
      queue.waiting++;
      this.push(lotId, waiter);
    });
  }

  /**
   * A retry whose first try is still committing (answered "outcome unknown" at its deadline): it waits
   * for that commit, within its own deadline, and then goes through the queue, where the batch finds
   * the first try by its key if it was placed. Refusing it "NOT placed" meanwhile could be untrue.
   */
  private async afterFirstTry(
    lotId: number,
    item: BatchItem,
    due: number,
    firstTry: Promise<unknown>,
  ): Promise<Answer> {
    const settled = await withDeadline(
      firstTry,
      Math.max(0, due - performance.now()),
      'first try of a retried bid',
    ).then(
      () => true,
      () => false,
    );
    return settled ? this.enqueue(lotId, item, due) : this.shed(lotId, 'unknown_outcome');
  }

  /** The deadline passed: a queued bid is dropped unplaced; an in-flight one has an unknown outcome. */
  private expire(lotId: number, w: Waiter): void {
    if (w.state === 'answered') return;
    if (w.state === 'queued') {
      const queue = this.queues.get(lotId);
      if (queue) queue.waiting--;
    }
    this.answer(w, this.shed(lotId, w.state === 'queued' ? 'timeout' : 'unknown_outcome'));
  }

  private answer(w: Waiter, result: Answer): void {
    if (w.state === 'answered') return;
    w.state = 'answered';
    clearTimeout(w.timer);
    w.resolve(result);
  }

  private queueOf(lotId: number): LotQueue {
    let queue = this.queues.get(lotId);
    if (!queue) this.queues.set(lotId, (queue = { items: [], waiting: 0, commitMs: 5 }));
    return queue;
  }

  private push(lotId: number, q: Queued): void {
    this.queueOf(lotId).items.push(q);
    if (!this.running.has(lotId)) {
      const run: Promise<void> = this.pump(lotId).finally(() => {
        if (this.running.get(lotId) === run) this.running.delete(lotId);
      });
      this.running.set(lotId, run);
    }
  }

  private async pump(lotId: number): Promise<void> {
    for (;;) {
      const queue = this.queues.get(lotId);
      if (!queue || queue.items.length === 0) {
        // Both maps are cleared in the same turn: a bid pushed after this (even by a microtask that
        // runs before this promise settles) finds no pump running and starts one.
        this.queues.delete(lotId);
        this.running.delete(lotId);
        return;
      }
      const head = queue.items[0];
      if (head.kind === 'task') {
        queue.items.shift();
        await head.run().catch((err: unknown) => this.ctx.log.error({ err, lotId }, 'exclusive lot task failed'));
        continue;
      }
      const batch: Waiter[] = [];
      const now = performance.now();
      let n = 0;
      while (n < queue.items.length && batch.length < this.maxBatch) {
        const q = queue.items[n];
        if (q.kind !== 'item') break;
        n++;
        if (q.state !== 'queued') continue; // answered at its deadline while waiting
        queue.waiting--;
        if (q.deadline - now < queue.commitMs) {
          // Its commit would most likely outlast its deadline and leave the bidder not knowing:
          // refuse it now, unplaced, instead.
          this.answer(q, this.shed(lotId, 'timeout'));
          continue;
        }
        q.state = 'inflight';
        batch.push(q);
      }
      queue.items.splice(0, n);
      if (batch.length) await this.commit(lotId, queue, batch);
    }
  }

  /**
   * Commits one batch and answers it. The pump waits at most until every bid in the batch has been
   * answered at its deadline; a commit still running then is left to finish on its own (its events
   * are still published when it does), and the next batch starts: the database, not this queue,
   * keeps concurrent commits of one lot correct (bid-batch.ts).
   */
  private async commit(lotId: number, queue: LotQueue, batch: Waiter[]): Promise<void> {
    const started = performance.now();
    const commit = commitBatch(
      this.ctx,
      lotId,
      batch.map((b) => b.item),
    ).then(
      (outcome) => {
        // Quick to learn that commits got slow, slow to forget it.
        const took = performance.now() - started;
        queue.commitMs = took > queue.commitMs ? took : queue.commitMs * 0.8 + took * 0.2;
        batch.forEach((b, i) => this.answer(b, outcome.results[i]));
        const { events } = this.ctx;
        if (outcome.entries.length) events.publish('entries', { lotId, entries: outcome.entries });
        for (const p of outcome.personal) events.publish('personal', p);
        for (const change of outcome.lotChanges) events.publish('lot', change);
        // Attendance, noted in memory and written in the background (never a round trip of the bid's).
        const presence = presenceOf(this.ctx);
        for (const p of outcome.present) presence.seen(lotId, p.pid, p.at);
        return true;
      },
      (err: unknown) => err,
    );
    const keys = batch.flatMap((b) =>
      b.item.kind === 'bid' && b.item.idempotencyKey ? [committingKey(lotId, b.item, b.item.idempotencyKey)] : [],
    );
    if (keys.length) {
      for (const key of keys) this.committingKeys.set(key, commit);
      void commit.finally(() => {
        for (const key of keys) if (this.committingKeys.get(key) === commit) this.committingKeys.delete(key);
      });
    }
    const lastDeadline = Math.max(...batch.map((b) => b.deadline));
    const settled = await withDeadline(commit, Math.max(0, lastDeadline - started) + 50, 'bid batch').catch(
      (err: unknown) => err,
    );
    if (settled instanceof DeadlineExceeded) {
      queue.commitMs = Math.max(queue.commitMs, performance.now() - started);
      this.ctx.database.health.report(settled);
      this.orphans.add(commit);
      void commit.finally(() => this.orphans.delete(commit));
      return;
    }
    if (settled === true) return;
    await this.failed(lotId, queue, batch, settled);
  }

  private async failed(lotId: number, queue: LotQueue, batch: Waiter[], err: unknown): Promise<void> {
    if (isUnavailable(err)) {
      // The database is unreachable or too slow: nothing is retried here (each retry would wait out
      // the same fault); the client retries, with its Idempotency-Key.
      this.ctx.database.health.report(err);
      this.ctx.log.warn({ err, lotId, size: batch.length }, 'bid batch failed: database unavailable');
      const reason: ShedReason = failedBeforeWriting(err) ? 'database_unavailable' : 'unknown_outcome';
      for (const b of batch) if (b.state !== 'answered') this.answer(b, this.shed(lotId, reason));
      return;
    }
    if (batch.length > 1) {
      // Retry one by one, so that one bad item does not fail the others.
      this.ctx.log.warn({ err, lotId, size: batch.length }, 'bid batch failed; retrying its bids one by one');
      for (const b of batch) if (b.state !== 'answered') await this.commit(lotId, queue, [b]);
      return;
    }
    const [b] = batch;
    if (b.state === 'answered') return;
    if (errorCodes(err).includes('23505') && !b.retried) {
      // The same Idempotency-Key was committed meanwhile (a retry raced its first try, still in
      // flight after its deadline): once more, the batch read now finds it and answers with it.
      b.retried = true;
      await this.commit(lotId, queue, [b]);
      return;
    }
    b.state = 'answered';
    clearTimeout(b.timer);
    b.reject(err);
  }
}
