// Room broadcasts of this process, written in slices. A message to a room costs one socket write per
// member, and each write is a system call (about 5–7 µs on the benchmark machine), so one message to
// 2,000 watchers would hold the event loop for over 10 ms, during which no bid, database answer or
// HTTP request is handled. Messages to rooms larger than a slice are queued and written a slice per
// queued message per turn of the event loop (so a backlog drains faster than it builds up however
// busy the loop is), in order: every socket receives the room's messages
// in the order they were emitted (one queue for all rooms), and a socket that left the room before
// its slice was written is skipped. Each slice is encoded once (socket.io pre-encodes the frame).
import type { Namespace } from 'socket.io';
import type { ServerToClientEvents } from './events.ts';

interface Job {
  room: string;
  ids: string[];
  next: number;
  event: string;
  payload: unknown;
}

type BroadcastNamespace = Pick<Namespace, 'adapter' | 'local'>;

export class FanOut {
  private readonly nsp: BroadcastNamespace;
  private readonly sliceSize: number;
  private readonly queue: Job[] = [];
  private pending: NodeJS.Immediate | undefined;

  constructor(nsp: BroadcastNamespace, options: { sliceSize: number }) {
    this.nsp = nsp;
    this.sliceSize = Math.max(1, options.sliceSize);
  }

  /** Writes `event` to the room's local sockets: at once if the room is small and nothing is queued. */
  emit<E extends keyof ServerToClientEvents>(
    room: string,
    event: E,
    payload: Parameters<ServerToClientEvents[E]>[0],
  ): void {
    const members = this.nsp.adapter.rooms.get(room);
    if (!members || members.size === 0) return;
    if (members.size <= this.sliceSize && this.queue.length === 0) {
      this.write(room, event, payload);
      return;
    }
    this.queue.push({ room, ids: [...members], next: 0, event, payload });
    this.pending ??= setImmediate(() => this.drain());
  }

  /** Messages still queued (for tests and metrics). */
  backlog(): number {
    return this.queue.length;
  }

  close(): void {
    if (this.pending) clearImmediate(this.pending);
    this.pending = undefined;
    this.queue.length = 0;
  }

  private drain(): void {
    this.pending = undefined;
    let budget = this.sliceSize * this.queue.length;
    while (budget > 0 && this.queue.length) {
      const job = this.queue[0];
      const members = this.nsp.adapter.rooms.get(job.room);
      const end = Math.min(job.ids.length, job.next + budget);
      const ids = members ? job.ids.slice(job.next, end).filter((id) => members.has(id)) : [];
      budget -= end - job.next;
      job.next = end;
      if (ids.length) this.write(ids, job.event, job.payload);
      if (job.next >= job.ids.length) this.queue.shift();
    }
    if (this.queue.length) this.pending = setImmediate(() => this.drain());
  }

  private write(to: string | string[], event: string, payload: unknown): void {
    (this.nsp.local.to(to) as unknown as { emit(event: string, payload: unknown): void }).emit(event, payload);
  }
}
