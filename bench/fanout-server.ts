// Baseline (b): the same socket.io fan-out with persistence bypassed. A minimal HTTP + socket.io
// server that takes the same bid requests (the same rules, checked in memory; tokens are decoded but
// not verified), gives each accepted bid the next seq and emits it to the lot's room: either each
// bid as it is accepted (tickMs 0) or the bids of each tick as one `bids` event, like the platform.
import http from 'node:http';
import { Server } from 'socket.io';
import { serveIpc } from './lib/ipc.ts';
import type { PriceRules } from './lib/schedule.ts';

interface FanoutInit {
  lotId: number;
  rules: PriceRules;
  /** Personal id → bidder code, for the approved bidders only. */
  approved: Record<string, string>;
  tickMs: number;
}
interface Entry {
  lotId: number;
  seq: number;
  kind: 'bid';
  amount: number;
  bidderCode: string;
  placedAt: string;
}

let cfg: FanoutInit;
let seq = 0;
let price: number | null = null;
let leader: string | null = null;
let pendingTick: Entry[] = [];

function subOf(authorization: string | undefined): string | undefined {
  const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
  try {
    return token
      ? (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { sub?: string }).sub
      : undefined;
  } catch {
    return undefined;
  }
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  const m = /^\/api\/lots\/(\d+)\/bids$/.exec(req.url ?? '');
  if (req.method !== 'POST' || !m || Number(m[1]) !== cfg?.lotId)
    return reply(res, 404, { error: { code: 'NOT_FOUND', message: 'no such endpoint' } });
  let body = '';
  req.on('data', (d: Buffer) => (body += d));
  req.on('end', () => {
    const amount = (JSON.parse(body || '{}') as { amount?: unknown }).amount;
    const code = cfg.approved[subOf(req.headers.authorization) ?? ''];
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0)
      return reply(res, 422, { error: { code: 'VALIDATION_FAILED', message: 'amount' } });
    if (!code) return reply(res, 403, { error: { code: 'NOT_APPROVED', message: 'not approved' } });
    if (amount < (price === null ? cfg.rules.startingPrice : price + cfg.rules.priceStep))
      return reply(res, 409, { error: { code: 'BID_TOO_LOW', message: 'too low' } });
    if (leader === code) return reply(res, 409, { error: { code: 'ALREADY_LEADING', message: 'leading' } });
    price = amount;
    leader = code;
    const entry: Entry = {
      lotId: cfg.lotId,
      seq: ++seq,
      kind: 'bid',
      amount,
      bidderCode: code,
      placedAt: new Date().toISOString(),
    };
    if (cfg.tickMs > 0) pendingTick.push(entry);
    else io.to(`lot:${cfg.lotId}`).emit('bid', entry);
    reply(res, 201, { seq: entry.seq, amount, bidderCode: code, placedAt: entry.placedAt });
  });
});
server.keepAliveTimeout = 120_000;

const io = new Server(server, { serveClient: false });
io.on('connection', (socket) => {
  socket.on('watch', (msg: { lotId?: number }, ack?: (r: unknown) => void) => {
    if (msg?.lotId !== cfg.lotId) return ack?.({ error: { code: 'NOT_FOUND', message: 'no such lot' } });
    void socket.join(`lot:${cfg.lotId}`);
    ack?.({ lot: { id: cfg.lotId, seq, currentPrice: price }, bids: [], serverTime: new Date().toISOString() });
  });
});

function flushTick(): void {
  if (pendingTick.length) {
    const items = pendingTick;
    pendingTick = [];
    io.to(`lot:${cfg.lotId}`).emit('bids', { lotId: cfg.lotId, items });
  }
}

serveIpc({
  init: async (payload: FanoutInit) => {
    cfg = payload;
    if (cfg.tickMs > 0) setInterval(flushTick, cfg.tickMs);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as { port: number }).port, pid: process.pid };
  },
  state: () => ({ seq, price }),
});
