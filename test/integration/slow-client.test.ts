// Slow clients (slowloris) cannot hold connections open: a client that trickles its headers, or a
// body, byte by byte is cut once the headers or the whole request take longer than the configured
// bounds (issue 13, item 4), while other clients keep being served.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { startDemoPlatform, type DemoPlatform } from '../identity/support.ts';

const HEADERS_MS = 1_000;
const REQUEST_MS = 2_000;
let demo: DemoPlatform;
beforeAll(async () => {
  demo = await startDemoPlatform({
    env: { HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_MS), HTTP_BODY_TIMEOUT_MS: String(REQUEST_MS) },
  });
});
afterAll(async () => {
  await demo?.stop();
});

/** Opens a raw connection, writes `head` and then one more chunk every 200 ms; resolves when the server closes it. */
function trickle(
  head: string,
  chunk: () => string,
  giveUpMs: number,
): Promise<{ closedAfterMs: number; answer: string }> {
  const { port } = new URL(demo.base);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let answer = '';
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(head));
    const timer = setInterval(() => {
      if (!socket.destroyed && socket.writable) socket.write(chunk());
    }, 200);
    const giveUp = setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      resolve({ closedAfterMs: Infinity, answer });
    }, giveUpMs);
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ closedAfterMs: performance.now() - started, answer });
    });
    socket.on('timeout', reject);
  });
}

describe('slow clients', () => {
  it('uses short bounds by default: headers within 10 s, the whole request within 30 s', () => {
    const { http } = loadConfig({});
    expect(http).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 });
    expect(demo.platform.server.headersTimeout).toBe(HEADERS_MS);
    expect(demo.platform.server.requestTimeout).toBe(REQUEST_MS);
  });

  it('cuts a client that trickles its headers, and keeps serving others meanwhile', async () => {
    let n = 0;
    const slow = trickle(`GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n`, () => `X-Slow-${n++}: 1\r\n`, 15_000);
    await new Promise((r) => setTimeout(r, 300));
    expect((await fetch(`${demo.base}/api/health`)).status).toBe(200);
    const { closedAfterMs, answer } = await slow;
    expect(closedAfterMs).toBeLessThan(HEADERS_MS + 2_500);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('cuts a client that trickles its body once the whole request takes too long', async () => {
    const head = `POST /api/records/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`;
    const { closedAfterMs } = await trickle(head, () => ' ', 15_000);
    expect(closedAfterMs).toBeLessThan(REQUEST_MS + 2_500);
    expect((await fetch(`${demo.base}/api/health`)).status).toBe(200);
  });
});
