// A real HTTP receiver for webhook tests: node:http on a loopback port, recording every request (its
// headers and raw body) and answering as the test says, per path and per event id: a status, or
// 'hang' (never answer, so the platform's attempt times out).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** When it arrived (this host's clock). */
  at: number;
  /** What the receiver answered: a status, or 'hang'. */
  answer: number | 'hang';
}

/** How to answer the n-th request (1-based) for an event at a path. */
export type Answer = (req: { path: string; eventId: string; n: number }) => number | 'hang';

export interface Receiver {
  url(path: string): string;
  received: Received[];
  /** The requests for one event (optionally at one path), in arrival order. */
  of(eventId: string, path?: string): Received[];
  answer: Answer;
  close(): Promise<void>;
}

export async function startReceiver(answer: Answer = () => 200): Promise<Receiver> {
  const received: Received[] = [];
  const counts = new Map<string, number>();
  const receiver: Receiver = {
    url: (path) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    received,
    of: (eventId, path) =>
      received.filter((r) => r.headers['x-platform-event-id'] === eventId && (path === undefined || r.path === path)),
    answer,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const eventId = String(req.headers['x-platform-event-id'] ?? '');
      const key = `${path} ${eventId}`;
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      const a = receiver.answer({ path, eventId, n });
      received.push({
        path,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
        answer: a,
      });
      if (a === 'hang') return;
      res.writeHead(a, { 'content-type': 'text/plain' }).end(a < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return receiver;
}
