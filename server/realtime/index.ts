// The realtime gateway: socket.io on the platform's HTTP server.
import type http from 'node:http';
import { Server } from 'socket.io';
import type { AppContext } from '../context.ts';
import type { Identity } from '../identity/index.ts';
import type { BidService } from '../bidding/types.ts';

export interface Realtime {
  io: Server;
  close(): Promise<void>;
}

export async function createRealtime(ctx: AppContext, server: http.Server, _deps: { identity: Identity; bids: BidService }): Promise<Realtime> {
  const io = new Server(server, { serveClient: false, maxHttpBufferSize: 16 * 1024, cors: ctx.config.corsOrigins.length ? { origin: ctx.config.corsOrigins } : undefined });
  return {
    io,
    close: () => new Promise<void>((resolve) => void io.close(() => resolve())),
  };
}
