import { describe, expect, it } from 'vitest';
import { FanOut } from '../../server/realtime/fan-out.ts';

/** A namespace stand-in that records which sockets each write reached, in order. */
function fakeNamespace() {
  const rooms = new Map<string, Set<string>>();
  const writes: { to: string[]; event: string; payload: unknown }[] = [];
  const nsp = {
    adapter: { rooms },
    local: {
      to: (to: string | string[]) => ({
        emit: (event: string, payload: unknown) => {
          const ids = Array.isArray(to) ? to : [...(rooms.get(to) ?? [])];
          writes.push({ to: ids, event, payload });
        },
      }),
    },
  };
  const received = (socket: string): unknown[] => writes.filter((w) => w.to.includes(socket)).map((w) => w.payload);
  return { nsp: nsp as unknown as ConstructorParameters<typeof FanOut>[0], rooms, writes, received };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const entry = (seq: number) => ({
  lotId: 1,
  seq,
  kind: 'bid' as const,
  amount: seq * 1000,
  bidderCode: 'B',
  placedAt: '2026-12-01T08:00:00.000Z',
});
const sockets = (n: number, prefix = 's'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('room broadcasts in slices', () => {
  it('writes to a small room at once', () => {
    const { nsp, rooms, writes } = fakeNamespace();
    rooms.set('lot:1', new Set(sockets(3)));
    new FanOut(nsp, { sliceSize: 10 }).emit('lot:1', 'bid', entry(1));
    expect(writes).toEqual([{ to: sockets(3), event: 'bid', payload: entry(1) }]);
  });

  it('writes a big room a slice per turn of the event loop, each socket once and in emit order', async () => {
    const { nsp, rooms, writes, received } = fakeNamespace();
    rooms.set('lot:1', new Set(sockets(25)));
    const fanOut = new FanOut(nsp, { sliceSize: 10 });
    fanOut.emit('lot:1', 'bid', entry(1));
    fanOut.emit('lot:1', 'bid', entry(2));
    expect(writes).toHaveLength(0);
    await turn();
    // Two messages queued: two slices' worth of sockets in the first turn, not all 50 writes.
    expect(writes.reduce((n, w) => n + w.to.length, 0)).toBe(20);
    for (let i = 0; i < 5 && fanOut.backlog(); i++) await turn();
    expect(fanOut.backlog()).toBe(0);
    for (const s of sockets(25)) expect(received(s)).toEqual([entry(1), entry(2)]);
    expect(writes.every((w) => w.to.length <= 20)).toBe(true);
  });

  it('keeps a small room waiting behind a backlog, so no socket sees messages out of order', async () => {
    const { nsp, rooms, received } = fakeNamespace();
    rooms.set('lot:1', new Set(sockets(30)));
    const fanOut = new FanOut(nsp, { sliceSize: 10 });
    fanOut.emit('lot:1', 'bid', entry(1));
    // The room shrinks to a size that would be written at once if nothing were queued.
    rooms.set('lot:1', new Set(sockets(5)));
    fanOut.emit('lot:1', 'lot', { lotId: 1, seq: 1, reason: 'closed' } as never);
    for (let i = 0; i < 10 && fanOut.backlog(); i++) await turn();
    for (const s of sockets(5)) expect(received(s)).toEqual([entry(1), { lotId: 1, seq: 1, reason: 'closed' }]);
  });

  it('skips a socket that left the room before its slice was written', async () => {
    const { nsp, rooms, received } = fakeNamespace();
    rooms.set('lot:1', new Set(sockets(30)));
    const fanOut = new FanOut(nsp, { sliceSize: 10 });
    fanOut.emit('lot:1', 'bid', entry(1));
    rooms.get('lot:1')!.delete('s29');
    for (let i = 0; i < 10 && fanOut.backlog(); i++) await turn();
    expect(received('s29')).toEqual([]);
    expect(received('s28')).toEqual([entry(1)]);
  });

  it('drops what is queued when closed', async () => {
    const { nsp, rooms, writes } = fakeNamespace();
    rooms.set('lot:1', new Set(sockets(30)));
    const fanOut = new FanOut(nsp, { sliceSize: 10 });
    fanOut.emit('lot:1', 'bid', entry(1));
    fanOut.close();
    await turn();
    expect(writes).toEqual([]);
    expect(fanOut.backlog()).toBe(0);
  });
});
