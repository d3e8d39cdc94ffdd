// A refused body still gets its 413 (server/http/body-limits.ts): a client that is still sending when
// the answer is ready must not lose it to a closed connection, so a body over its limit is read and
// thrown away before the answer, within bounds. Served by a real Node server through
// @hono/node-server, as in production, whose own clean-up closes a connection half a second after an
// answer that left the body unread.
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitBody } from '../../server/http/body-limits.ts';
import type { AppEnv } from '../../server/identity/person.ts';

const MIB = 1024 * 1024;
const LIMIT = MIB;
let server: http.Server;
let port: number;

beforeAll(async () => {
  const app = new Hono<AppEnv>();
  app.use(
    '*',
    limitBody(LIMIT, () => {
      throw new Error('too large');
    }),
  );
  app.post('/', async (c) => c.text(`read ${(await c.req.arrayBuffer()).byteLength}`));
  app.onError((_, c) => c.text('refused', 413));
  server = http.createServer(getRequestListener(app.fetch));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

interface Answer {
  status: number;
  body: string;
  /** Bytes the client had sent when the answer's head arrived. */
  sentWhenAnswered: number;
}

/** Sends `total` bytes slowly (64 KiB every `pauseMs`), declared or chunked, and reads the answer. */
function slowPost(total: number, opts: { declared: boolean; pauseMs: number }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/',
      headers: opts.declared ? { 'content-length': String(total) } : { 'transfer-encoding': 'chunked' },
    });
    let sent = 0;
    let answered = false;
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const sendMore = (): void => {
      if (answered && !req.writable) return;
      if (sent >= total) return void req.end();
      const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
      sent += piece.length;
      req.write(piece);
      setTimeout(sendMore, opts.pauseMs);
    };
    req.on('response', (res) => {
      answered = true;
      const sentWhenAnswered = sent;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, sentWhenAnswered }));
    });
    req.on('error', reject);
    sendMore();
  });
}

describe('a refused body', () => {
  it('is answered 413 to a slow client whose declared body is over the limit, after the client has sent it', async () => {
    // 2 MiB in 32 pieces, 50 ms apart: about 1.6 s of sending, past @hono/node-server's 0.5 s clean-up.
    const answer = await slowPost(2 * MIB, { declared: true, pauseMs: 50 });
    expect(answer).toMatchObject({ status: 413, body: 'refused', sentWhenAnswered: 2 * MIB });
  });

  it('is answered 413 to a slow client whose chunked body goes over the limit', async () => {
    const answer = await slowPost(2 * MIB, { declared: false, pauseMs: 50 });
    expect(answer).toMatchObject({ status: 413, body: 'refused', sentWhenAnswered: 2 * MIB });
  });

  it('is answered at once, unread, when it declares more than four times the limit', async () => {
    const answer = await slowPost(8 * MIB, { declared: true, pauseMs: 50 });
    expect(answer.status).toBe(413);
    expect(answer.sentWhenAnswered).toBeLessThan(MIB);
  });

  it('leaves a body within the limit to the route', async () => {
    const answer = await slowPost(LIMIT, { declared: false, pauseMs: 5 });
    expect(answer).toMatchObject({ status: 200, body: `read ${LIMIT}` });
  });
});
