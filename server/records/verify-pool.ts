// A small, bounded pool of worker threads for record verification. Parsing and hashing a 16 MiB
// export takes the better part of a second of CPU; on the event loop that stalls every request
// (health checks and bids included), so POST /api/records/verify hands the bytes to a worker instead.
// Bounds: a few workers (one less than the cores, at most 2), a short queue (a full queue is 503 at
// once), and a deadline per job (the request's own bound): a job past it has its worker terminated
// and replaced, so one pathological document cannot hold a worker for longer than a request may take.
// Workers start on first use and stop after a minute idle.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AppError, refuse, type Failure } from '../shared/errors.ts';
import type { Jwks } from './jws.ts';
import type { BodyKind, BodyOutcome } from './verify-body.ts';

const WORKER_URL = new URL('./verify-worker.ts', import.meta.url);
const IDLE_MS = 60_000;

interface Pending {
  id: number;
  bytes: Uint8Array;
  kind: BodyKind;
  jwks: Jwks;
  deadline: number;
  resolve(outcome: BodyOutcome): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  job?: Pending;
  timer?: NodeJS.Timeout;
}

export interface VerifyPoolOptions {
  /** Worker threads (default: cores − 1, between 1 and 2). */
  size?: number;
  /** Jobs waiting for a worker before new ones are refused with 503 (default 16). */
  queueMax?: number;
  /** Heap limit per worker, MiB: a document that needs more fails alone (default 512). */
  heapMb?: number;
}

export class VerifyPool {
  private readonly size: number;
  private readonly queueMax: number;
  private readonly heapMb: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: VerifyPoolOptions = {}) {
    this.size = options.size ?? Math.max(1, Math.min(2, availableParallelism() - 1));
    this.queueMax = options.queueMax ?? 16;
    this.heapMb = options.heapMb ?? 512;
  }

  /** Verifies in a worker; rejects with 503 UNAVAILABLE when the pool is full or the job outlives `timeoutMs`. */
  run(bytes: Uint8Array, kind: BodyKind, jwks: Jwks, timeoutMs: number): Promise<BodyOutcome> {
    if (this.closed) return Promise.reject(busy(refuse('verifier_shutting_down')));
    if (this.queue.length >= this.queueMax) return Promise.reject(busy(refuse('verifier_busy')));
    return new Promise<BodyOutcome>((resolve, reject) => {
      this.queue.push({
        id: this.nextId++,
        bytes,
        kind,
        jwks,
        deadline: performance.now() + timeoutMs,
        resolve,
        reject,
      });
      this.pump();
    });
  }

  /** Stops every worker; queued and running jobs get 503. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    for (const job of this.queue.splice(0)) job.reject(busy(refuse('verifier_shutting_down')));
    await Promise.all(this.slots.splice(0).map((s) => this.stop(s)));
  }

  private pump(): void {
    while (this.queue.length) {
      const job = this.queue[0];
      if (job.deadline <= performance.now()) {
        this.queue.shift();
        job.reject(tooLong());
        continue;
      }
      const slot = this.slots.find((s) => !s.job) ?? (this.slots.length < this.size ? this.spawn() : undefined);
      if (!slot) return;
      this.queue.shift();
      this.assign(slot, job);
    }
    this.scheduleIdle();
  }

  private assign(slot: Slot, job: Pending): void {
    slot.job = job;
    slot.timer = setTimeout(() => this.fail(slot, tooLong()), Math.max(0, job.deadline - performance.now()));
    // The bytes are the request's own copy: moved, not copied, to the worker.
    const transfer =
      job.bytes.byteOffset === 0 &&
      job.bytes.byteLength === job.bytes.buffer.byteLength &&
      job.bytes.buffer instanceof ArrayBuffer
        ? [job.bytes.buffer]
        : [];
    slot.worker.postMessage({ id: job.id, bytes: job.bytes, kind: job.kind, jwks: job.jwks }, transfer);
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_URL, { resourceLimits: { maxOldGenerationSizeMb: this.heapMb } });
    worker.unref();
    const slot: Slot = { worker };
    worker.on('message', (m: { id: number; outcome?: BodyOutcome; error?: string }) => {
      const job = slot.job;
      if (!job || job.id !== m.id) return;
      this.finish(slot);
      if (m.outcome) job.resolve(m.outcome);
      else job.reject(new Error(`record verification failed: ${m.error}`));
      this.pump();
    });
    worker.on('error', (err) => this.fail(slot, busy(refuse('verifier_failed', { detail: err.message }))));
    worker.on('exit', () => this.fail(slot, busy(refuse('verifier_stopped'))));
    this.slots.push(slot);
    return slot;
  }

  private finish(slot: Slot): Pending | undefined {
    const job = slot.job;
    clearTimeout(slot.timer);
    slot.job = undefined;
    slot.timer = undefined;
    return job;
  }

  /** A running job failed or ran out of time: answer it, replace its worker, go on with the queue. */
  private fail(slot: Slot, err: Error): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    this.finish(slot)?.reject(err);
    void this.stop(slot);
    if (!this.closed) this.pump();
  }

  private async stop(slot: Slot): Promise<void> {
    slot.worker.removeAllListeners('exit');
    slot.worker.removeAllListeners('error');
    slot.worker.on('error', () => {});
    clearTimeout(slot.timer);
    await slot.worker.terminate().catch(() => undefined);
  }

  private scheduleIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.closed || this.slots.length === 0 || this.slots.some((s) => s.job)) return;
    this.idleTimer = setTimeout(() => {
      if (this.slots.some((s) => s.job) || this.queue.length) return;
      for (const s of this.slots.splice(0)) void this.stop(s);
    }, IDLE_MS);
    this.idleTimer.unref();
  }
}

const busy = (failure: Failure): AppError => AppError.from(failure, { 'retry-after': '2' });
const tooLong = (): AppError => busy(refuse('verify_too_slow'));
