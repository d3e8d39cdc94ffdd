// The platform behind a real load balancer: HAProxy (Debian's package) configured by
// bench/lib/balancer.ts, the configuration the README shows.
//
// First, HAProxy's own behaviour that the platform relies on, in front of two small stub servers
// (needs only HAProxy): X-Forwarded-For appended for TRUST_PROXY, WebSocket upgrades passed through
// and spread by least connections, open sockets kept when a health check fails, a request retried
// elsewhere only when it never reached a process, and 502/503 answered in the platform's error shape.
//
// Then two platform processes (PostgreSQL, Redis, TRUST_PROXY=true) behind it: both in rotation,
// watchers on both, a bid through the balancer (HTTP or socket, taken by either process) reaching
// watchers on both; a role change relayed between the processes; kill -9 of one process while bids
// flow: no acknowledged bid lost, none placed twice, the dead process marked DOWN, its watchers
// reconnected through the balancer to the survivor and converged on the whole ledger, and bids still
// accepted; and SIGTERM of a process still in rotation: every bid answered, none cut off.
//
// Without HAProxy, PostgreSQL (TEST_DATABASE_URL) or Redis (REDIS_URL) the blocks that need them skip
// with the reason printed; under CI=true a missing HAProxy is a failure, and so is a missing Redis
// on the PostgreSQL run.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Server } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { startBalancer, type Balancer } from '../../bench/lib/balancer.ts';
import { createPostgresDatabase } from '../support/db.ts';
import { newPid, startTestIdp, type TestIdp } from '../support/eid.ts';
import { eventually, postgresAndRedisMissing, TEST_REDIS_URL, timedCall } from '../support/faults.ts';
import { HandshakeTracker, haproxyMissing, reconnectingSocket, TEST_CLIENT_HEADER } from '../support/load-balancer.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { PERSON_CACHE_MS } from '../../server/identity/authenticate.ts';
import type { Ack } from '../../server/realtime/events.ts';
import { connect, request, until, Watcher, type ClientSocket } from './support.ts';
import { call, readLedger, setUpLot, sleep, waitUntil, type LotScenario } from './scenario.ts';

const noHaproxy = haproxyMissing('load-balancer tests');

/** A stand-in for a platform process: health on demand, header echo, a request it dies holding, sockets. */
interface Stub {
  name: string;
  port: number;
  /** What GET /api/health answers. */
  health: number;
  /** Paths of the requests it received, health checks left out. */
  requests: string[];
  stopListening(): Promise<void>;
  close(): Promise<void>;
}

async function startStub(name: string): Promise<Stub> {
  const stub: Stub = {
    name,
    port: 0,
    health: 200,
    requests: [],
    stopListening: async () => {},
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    if (req.url === '/api/health') {
      res.statusCode = stub.health;
      return void res.end();
    }
    stub.requests.push(`${req.method} ${req.url}`);
    if (req.url === '/dies-holding-it') {
      // A process killed while it holds the request: the connection closes with no answer.
      return void req.socket.destroy();
    }
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        name,
        forwardedFor: req.headers['x-forwarded-for'] ?? null,
        forwardedProto: req.headers['x-forwarded-proto'] ?? null,
      }),
    );
  });
  const ioServer = new Server(server, { transports: ['websocket'], serveClient: false });
  ioServer.on('connection', (s) => {
    s.on('whoami', (ack: (n: string) => void) => ack(name));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stub.port = (server.address() as AddressInfo).port;
  stub.stopListening = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      // close() waits for every connection to end; the listener itself is gone at once.
      setImmediate(resolve);
    });
  stub.close = async () => {
    await ioServer.close();
    server.closeAllConnections();
  };
  return stub;
}

function whoami(s: Socket): Promise<string> {
  return s.timeout(5_000).emitWithAck('whoami');
}

function stubSocket(base: string, id: string): Promise<Socket> {
  const s = io(base, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: { [TEST_CLIENT_HEADER]: id },
  });
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

/** A POST on a connection of its own, closed after the answer. */
function postOnNewConnection(
  url: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

describe.skipIf(Boolean(noHaproxy))('HAProxy in front of two stub processes', () => {
  let p1: Stub;
  let p2: Stub;
  let balancer: Balancer;
  let tracker: HandshakeTracker;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    [p1, p2] = await Promise.all([startStub('p1'), startStub('p2')]);
    balancer = await startBalancer({
      backends: [p1, p2].map((s) => ({ name: s.name, host: '127.0.0.1', port: s.port })),
      checkIntervalMs: 300,
    });
    tracker = new HandshakeTracker();
    await balancer.waitFor('p1', 'UP', 10_000);
    await balancer.waitFor('p2', 'UP', 10_000);
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    tracker?.close();
    await balancer?.stop();
    await Promise.all([p1?.close(), p2?.close()]);
  });

  it('appends the address it saw to X-Forwarded-For and sets X-Forwarded-Proto, whatever the client claimed', async () => {
    const res = await fetch(`${balancer.base}/echo`, {
      headers: { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { name: string; forwardedFor: string; forwardedProto: string };
    // TRUST_PROXY takes the last entry: the balancer's, not the one the client made up.
    expect(body.forwardedFor).toBe('203.0.113.9, 127.0.0.1');
    expect(body.forwardedProto).toBe('http');
    expect(res.headers.get('x-served-by')).toBe(body.name);
  });

  it('passes WebSocket upgrades through and spreads them by least connections', async () => {
    const opened = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => stubSocket(balancer.base, `stub-${i}`)));
    sockets.push(...opened);
    const names = await Promise.all(opened.map(whoami));
    // The handshake's X-Served-By (what the platform test relies on) names the process that answers.
    expect(opened.map((_, i) => tracker.current(`stub-${i}`))).toEqual(names);
    expect(names.filter((n) => n === 'p1')).toHaveLength(3);
    expect(names.filter((n) => n === 'p2')).toHaveLength(3);
    const states = await balancer.serverStates();
    expect(states.p1).toMatchObject({ status: 'UP', currentSessions: 3 });
    expect(states.p2).toMatchObject({ status: 'UP', currentSessions: 3 });
  });

  it('keeps open sockets on a process that fails its health checks, and sends new ones elsewhere', async () => {
    p1.health = 503;
    await balancer.waitFor('p1', 'DOWN', 10_000);
    expect((await balancer.serverStates()).p1.checkStatus).toBe('L7STS');
    // A database blip fails every process's readiness: their watchers must keep their live feed.
    const onP1 = sockets.filter((_, i) => tracker.current(`stub-${i}`) === 'p1');
    expect(onP1.length).toBeGreaterThan(0);
    for (const s of onP1) expect(await whoami(s)).toBe('p1');
    const fresh = await Promise.all([6, 7, 8].map((i) => stubSocket(balancer.base, `stub-${i}`)));
    sockets.push(...fresh);
    expect(await Promise.all(fresh.map(whoami))).toEqual(['p2', 'p2', 'p2']);
    p1.health = 200;
    await balancer.waitFor('p1', 'UP', 10_000);
  });

  it('retries elsewhere a request that could not reach its process; never one a process held', async () => {
    // Keep p1 in rotation while it refuses connections (as in the second before its checks fail).
    await balancer.command('disable health platform/p1');
    await p1.stopListening();
    const answers = await Promise.all(
      [0, 1, 2, 3, 4, 5].map(() => fetch(`${balancer.base}/bid`, { method: 'POST', body: '{}' })),
    );
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(answers.map((r) => r.headers.get('x-served-by'))).toEqual(['p2', 'p2', 'p2', 'p2', 'p2', 'p2']);
    const states = await balancer.serverStates();
    expect(states.p1.redispatches).toBeGreaterThan(0);
    expect(p2.requests.filter((r) => r === 'POST /bid')).toHaveLength(6);
    await balancer.command('enable health platform/p1');
    await balancer.waitFor('p1', 'DOWN', 10_000);

    // p2 takes a request and its connection dies: the answer is lost, so the request (a bid, say)
    // may have been carried out. HAProxy must not send it again; the client learns it may retry
    // with its Idempotency-Key.
    // (On a client connection of its own: a request that followed others on a kept-alive connection
    // may have been sent over an idle server connection, and when that fails HAProxy closes the
    // client's connection without an answer instead, as HTTP/1.1 allows; a client sees no answer.)
    const held = await postOnNewConnection(`${balancer.base}/dies-holding-it`);
    expect(held.status).toBe(502);
    expect(held.headers['retry-after']).toBe('1');
    expect(JSON.parse(held.body)).toMatchObject({ error: { code: 'UNAVAILABLE', reason: 'unknown_outcome' } });
    expect(p2.requests.filter((r) => r === 'POST /dies-holding-it')).toHaveLength(1);

    // No process in rotation: HAProxy answers 503 itself, nothing was done.
    p2.health = 503;
    await balancer.waitFor('p2', 'DOWN', 10_000);
    const before = p2.requests.length;
    const none = await fetch(`${balancer.base}/bid`, { method: 'POST', body: '{}' });
    expect(none.status).toBe(503);
    expect(none.headers.get('retry-after')).toBe('1');
    expect(await none.json()).toMatchObject({ error: { code: 'UNAVAILABLE', reason: 'unavailable' } });
    expect(p2.requests.length).toBe(before);
  });
});

const platformMissing = noHaproxy ?? (await postgresAndRedisMissing('load-balancer platform tests'));

/** One bid attempt of the flow, and what became of it. */
interface Attempt {
  bidder: number;
  via: 'http' | 'socket';
  amount: number;
  key: string;
  startedAt: number;
  outcome: 'accepted' | 'refused' | 'unknown';
  seq?: number;
  /** The error code of a refusal, or the status (0: no answer) of an unknown outcome. */
  detail?: string;
  /** The process that answered (HTTP: X-Served-By; socket: its latest handshake). */
  servedBy?: string;
}

describe.skipIf(Boolean(platformMissing))('two platform processes behind HAProxy', () => {
  const adminPid = newPid();
  // A prefix of its own, so concurrent test runs on this Redis do not hear each other.
  const prefix = `auction-lb-test-${process.pid}-${Date.now()}`;
  let idp: TestIdp;
  let a: ServerProcess;
  let b: ServerProcess;
  let balancer: Balancer;
  let tracker: HandshakeTracker;
  let drop = async (): Promise<void> => {};
  let env: Record<string, string> = {};
  let logDir = '';
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    idp = await startTestIdp();
    const pg = await createPostgresDatabase();
    drop = pg.drop;
    env = {
      ...idp.env(),
      DATABASE_URL: pg.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      ADMIN_PIDS: adminPid,
      TRUST_PROXY: 'true',
      LOG_LEVEL: 'warn',
    };
    // The first process migrates; the second starts on the migrated database.
    a = await startServerProcess(env);
    b = await startServerProcess(env);
    balancer = await startBalancer({
      backends: [
        { name: 'p1', host: '127.0.0.1', port: a.port },
        { name: 'p2', host: '127.0.0.1', port: b.port },
      ],
      checkIntervalMs: 500,
      // Request logs, shown when the graceful stop test fails.
      logFile: path.join((logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'auction-lb-test-'))), 'haproxy.log'),
    });
    tracker = new HandshakeTracker();
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    tracker?.close();
    await balancer?.stop();
    await Promise.all([a?.stop('SIGTERM'), b?.stop('SIGTERM')]);
    await drop();
    await idp?.close();
    if (logDir) fs.rmSync(logDir, { recursive: true, force: true });
  });

  /** A socket through the balancer, named for the tracker; `reconnect`: it comes back by itself. */
  async function open(id: string, options: { token?: string; reconnect?: boolean } = {}): Promise<ClientSocket> {
    const s = options.reconnect
      ? await reconnectingSocket(balancer.base, id, options.token)
      : await connect(balancer.base, { token: options.token, headers: { [TEST_CLIENT_HEADER]: id } });
    sockets.push(s);
    return s;
  }

  it('puts both processes in rotation; a bid through it reaches watchers on both, whichever process took it', async () => {
    await balancer.waitFor('p1', 'UP', 15_000);
    await balancer.waitFor('p2', 'UP', 15_000);
    // The lot is set up on one process: a role granted there reaches the other in milliseconds
    // (through Redis, see below), yet a script that acts on the grant's answer at once can be quicker.
    const lot = await setUpLot(a.base, idp, { adminPid, bidders: 2, registrationMs: 8_000, biddingMs: 120_000 });

    const ids = [0, 1, 2, 3, 4, 5].map((i) => `t1-watcher-${i}`);
    const watchers: Watcher[] = [];
    for (const id of ids) {
      const w = new Watcher(await open(id), lot.lotId);
      await w.watch();
      watchers.push(w);
    }
    const where = ids.map((id) => tracker.current(id));
    expect(where.filter((p) => p === 'p1').length).toBeGreaterThan(0);
    expect(where.filter((p) => p === 'p2').length).toBeGreaterThan(0);
    expect(where.every((p) => p === 'p1' || p === 'p2')).toBe(true);
    // HAProxy's own count agrees: one session per open WebSocket on each process.
    const states = await balancer.serverStates();
    expect(states.p1.currentSessions).toBe(where.filter((p) => p === 'p1').length);
    expect(states.p2.currentSessions).toBe(where.filter((p) => p === 'p2').length);

    // Bidder 1 bids over sockets, one on each process (a person may have several tabs open).
    const bidSockets: Record<string, ClientSocket> = {};
    for (let i = 0; Object.keys(bidSockets).length < 2 && i < 6; i++) {
      const s = await open(`t1-bidder-${i}`, { token: lot.bidders[1].token });
      const on = tracker.current(`t1-bidder-${i}`)!;
      if (bidSockets[on]) s.close();
      else bidSockets[on] = s;
    }
    expect(Object.keys(bidSockets).sort()).toEqual(['p1', 'p2']);

    await waitUntil(lot.startsAt);
    const httpServedBy = new Set<string>();
    const seen: string[] = [];
    let k = 0;
    const everyWatcherHas = (seq: number, what: string): Promise<void> =>
      until(() => watchers.every((w) => w.ledger.has(seq)), `every watcher to receive ${what} (seq ${seq})`);
    for (let round = 0; round < 12 && (httpServedBy.size < 2 || round < 2); round++) {
      // Bidder 0 over HTTP: HAProxy picks the process, X-Served-By says which.
      const res = await timedCall(balancer.base, 'POST', `/api/lots/${lot.lotId}/bids`, {
        token: lot.bidders[0].token,
        body: { amount: lot.startingPrice + lot.priceStep * k++ },
        headers: { 'idempotency-key': `t1-http-${round}` },
      });
      expect(res.status, JSON.stringify(res.json)).toBe(201);
      const by = res.headers!.get('x-served-by')!;
      httpServedBy.add(by);
      seen.push(`http@${by}`);
      await everyWatcherHas(res.json.seq, `an HTTP bid taken by ${by}`);
      // Bidder 1 over the socket on one process, then the other.
      const on = round % 2 === 0 ? 'p1' : 'p2';
      const ack = await request<{ bid: { seq: number } }>(bidSockets[on], 'bid', {
        lotId: lot.lotId,
        amount: lot.startingPrice + lot.priceStep * k++,
        idempotencyKey: `t1-socket-${round}`,
      });
      expect(ack).toMatchObject({ ok: true });
      seen.push(`socket@${on}`);
      if (ack.ok) await everyWatcherHas(ack.bid.seq, `a socket bid taken by ${on}`);
    }
    expect([...httpServedBy].sort()).toEqual(['p1', 'p2']);
    expect(seen).toEqual(expect.arrayContaining(['socket@p1', 'socket@p2']));

    const ledger = await readLedger(balancer.base, lot.lotId);
    for (const w of watchers) {
      expect(w.orderViolations()).toEqual([]);
      expect([...w.ledger.values()].sort((x, y) => x.seq - y.seq).map((e) => [e.seq, e.amount, e.bidderCode])).toEqual(
        ledger.map((e) => [e.seq, e.amount, e.bidderCode]),
      );
    }
    for (const s of [...watchers.map((w) => w.socket), ...Object.values(bidSockets)]) s.close();
  }, 90_000);

  it('relays a role change to the other process at once, not after its person cache expires', async () => {
    const pid = newPid();
    const token = await idp.token({ sub: pid, loa: 2 });
    const admin = await idp.token({ sub: adminPid });
    const rolesOn = async (p: ServerProcess): Promise<string[]> => {
      const me = await call(p.base, 'GET', '/api/me', { token });
      expect(me.status).toBe(200);
      return me.json.roles;
    };
    // Each process has read the person, and keeps their roles for PERSON_CACHE_MS.
    expect(await rolesOn(a)).toEqual([]);
    expect(await rolesOn(b)).toEqual([]);
    const grant = await call(a.base, 'PUT', `/api/admin/roles/${pid}`, { token: admin, body: { roles: ['manager'] } });
    expect(grant.status).toBe(200);
    // Redis carries the change in milliseconds; without the relay B would answer from its cache.
    const granted = await eventually(
      async () => (await rolesOn(b)).includes('manager'),
      PERSON_CACHE_MS / 5,
      'the grant on the other process',
    );
    const revoke = await call(b.base, 'PUT', `/api/admin/roles/${pid}`, { token: admin, body: { roles: [] } });
    expect(revoke.status).toBe(200);
    const revoked = await eventually(
      async () => (await rolesOn(a)).length === 0,
      PERSON_CACHE_MS / 5,
      'the revocation on the other process',
    );
    console.log(
      `role change relayed: grant seen on B after ${granted.toFixed(0)} ms, revocation on A after ${revoked.toFixed(0)} ms`,
    );
  });

  it('loses no acknowledged bid when a process is killed mid-flow; its watchers reconnect to the survivor and converge', async () => {
    const lot = await setUpLot(a.base, idp, { adminPid, bidders: 6, registrationMs: 12_000, biddingMs: 300_000 });
    const problems: string[] = [];

    // Eight watchers through the balancer; each, on reconnecting, watches again and syncs after the
    // last seq it holds in order, as the web app does.
    const watcherIds = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `t2-watcher-${i}`);
    const reconnectedAt = new Map<string, number>();
    const watchers: Watcher[] = [];
    for (const id of watcherIds) {
      const w = new Watcher(await open(id, { reconnect: true }), lot.lotId);
      await w.watch();
      w.socket.on('connect', () => {
        reconnectedAt.set(id, Date.now());
        void (async () => {
          await w.watch();
          await w.resync(w.contiguousUpTo());
        })().catch((err: Error) => problems.push(`${id} could not watch again: ${err.message}`));
      });
      watchers.push(w);
    }
    // Bidders 0–2 bid over HTTP, 3–5 over their sockets (which reconnect too).
    const bidderSockets = new Map<number, ClientSocket>();
    for (const i of [3, 4, 5])
      bidderSockets.set(i, await open(`t2-bidder-${i}`, { token: lot.bidders[i].token, reconnect: true }));
    const onBefore = new Map(watcherIds.map((id) => [id, tracker.current(id)]));
    const onDoomed = watcherIds.filter((id) => onBefore.get(id) === 'p2');
    const onSurvivor = watcherIds.filter((id) => onBefore.get(id) === 'p1');
    expect(onDoomed.length).toBeGreaterThan(0);
    expect(onSurvivor.length).toBeGreaterThan(0);

    await waitUntil(lot.startsAt);
    const attempts: Attempt[] = [];
    let k = 0;
    let flowing = true;
    const bidLoop = async (i: number): Promise<void> => {
      const bidder = lot.bidders[i];
      const socket = bidderSockets.get(i);
      for (let n = 0; flowing; n++) {
        // Sent only on a connected socket (socket.io would hold it, and send it after reconnecting).
        if (socket && !socket.connected) {
          await sleep(100);
          continue;
        }
        const attempt: Attempt = {
          bidder: i,
          via: socket ? 'socket' : 'http',
          amount: lot.startingPrice + lot.priceStep * k++,
          key: `t2-${i}-${n}`,
          startedAt: Date.now(),
          outcome: 'unknown',
        };
        attempts.push(attempt);
        if (socket) {
          attempt.servedBy = tracker.current(`t2-bidder-${i}`);
          const ack = await socketBid(socket, lot, attempt);
          if (ack === undefined) attempt.detail = 'no ack';
          else if (ack.ok) {
            attempt.outcome = 'accepted';
            attempt.seq = ack.bid.seq;
          } else {
            attempt.detail = ack.error.code;
            // UNAVAILABLE over a socket may mean "may or may not have been placed".
            if (ack.error.code !== 'UNAVAILABLE') attempt.outcome = 'refused';
          }
        } else {
          const res = await timedCall(balancer.base, 'POST', `/api/lots/${lot.lotId}/bids`, {
            token: bidder.token,
            body: { amount: attempt.amount },
            headers: { 'idempotency-key': attempt.key },
            timeoutMs: 10_000,
          });
          attempt.servedBy = res.headers?.get('x-served-by') ?? undefined;
          attempt.detail = String(res.status);
          if (res.status === 201) {
            attempt.outcome = 'accepted';
            attempt.seq = res.json.seq;
          } else if (res.status >= 400 && res.status < 500) {
            attempt.outcome = 'refused';
            attempt.detail = res.json?.error?.code ?? String(res.status);
          } else if (![0, 502, 503, 504].includes(res.status)) {
            problems.push(`an HTTP bid was answered ${res.status}: ${JSON.stringify(res.json)}`);
          }
        }
        await sleep(40 + Math.random() * 60);
      }
    };
    const loops = [0, 1, 2, 3, 4, 5].map((i) => bidLoop(i));
    const acceptedSince = (t: number, via?: 'http' | 'socket'): Attempt[] =>
      attempts.filter((x) => x.startedAt >= t && x.outcome === 'accepted' && (!via || x.via === via));

    // Bids flow through both processes first.
    await until(
      () =>
        acceptedSince(0).length >= 20 &&
        acceptedSince(0, 'http').some((x) => x.servedBy === 'p2') &&
        acceptedSince(0, 'http').some((x) => x.servedBy === 'p1'),
      'bids accepted through both processes',
      30_000,
    );
    const killedAt = Date.now();
    await b.stop('SIGKILL');
    await balancer.waitFor('p2', 'DOWN', 15_000);
    const downAfterMs = Date.now() - killedAt;
    // Every watcher that was on the dead process is back, on the survivor, through the balancer.
    await until(
      () => onDoomed.every((id) => tracker.current(id) === 'p1' && watchers[watcherIds.indexOf(id)].socket.connected),
      'the dead process’s watchers to reconnect to the survivor',
      20_000,
    );
    const backAfterMs = Math.max(...onDoomed.map((id) => reconnectedAt.get(id)!)) - killedAt;
    const downAt = Date.now();
    // And the flow goes on through the survivor, over HTTP and over sockets.
    await until(
      () => acceptedSince(downAt, 'http').length >= 5 && acceptedSince(downAt, 'socket').length >= 5,
      'bids accepted after the process was marked down',
      30_000,
    );
    flowing = false;
    await Promise.all(loops);

    // Bids without a definite answer are sent once more with the same Idempotency-Key: a committed
    // one must come back with its seq, and one that was not committed may not be placed twice.
    const unknown = attempts.filter((x) => x.outcome === 'unknown');
    const retries = new Map<Attempt, { seq?: number; refused?: string }>();
    for (const x of unknown) {
      if (x.via === 'http') {
        const res = await timedCall(balancer.base, 'POST', `/api/lots/${lot.lotId}/bids`, {
          token: lot.bidders[x.bidder].token,
          body: { amount: x.amount },
          headers: { 'idempotency-key': x.key },
        });
        if (res.status === 201) retries.set(x, { seq: res.json.seq });
        else if (res.status >= 400 && res.status < 500) retries.set(x, { refused: res.json?.error?.code });
      } else {
        const ack = await socketBid(bidderSockets.get(x.bidder)!, lot, x);
        if (ack?.ok) retries.set(x, { seq: ack.bid.seq });
        else if (ack && ack.error.code !== 'UNAVAILABLE') retries.set(x, { refused: ack.error.code });
      }
    }

    const ledger = await readLedger(balancer.base, lot.lotId);
    expect(ledger.map((e) => e.seq)).toEqual(ledger.map((_, i) => i + 1));
    const byAmount = new Map(ledger.map((e) => [e.amount, e]));
    expect(byAmount.size).toBe(ledger.length);
    const byCode = new Map(lot.bidders.map((x, i) => [x.bidderCode, i]));
    const attemptByAmount = new Map(attempts.map((x) => [x.amount, x]));
    // Every acknowledged bid is in the ledger, at its seq, as sent.
    for (const x of attempts.filter((y) => y.outcome === 'accepted')) {
      const e = ledger[x.seq! - 1];
      expect(e, `acknowledged bid ${x.key} (seq ${x.seq})`).toBeDefined();
      expect([e.amount, byCode.get(e.bidderCode)]).toEqual([x.amount, x.bidder]);
    }
    // Every ledger entry is one attempt of its bidder; a refused one left no trace.
    for (const e of ledger) {
      const x = attemptByAmount.get(e.amount);
      expect(x, `ledger entry ${e.seq}`).toBeDefined();
      expect(byCode.get(e.bidderCode)).toBe(x!.bidder);
      expect(x!.outcome, `ledger entry ${e.seq} (${x!.key}, ${x!.detail})`).not.toBe('refused');
    }
    // A retried key answers with the first try's seq when that was committed, else it was not placed twice.
    for (const [x, r] of retries) {
      const e = byAmount.get(x.amount);
      if (r.seq !== undefined) expect(e?.seq, `retry of ${x.key}`).toBe(r.seq);
      else expect(e, `retry of ${x.key} refused (${r.refused}) though the first try was committed`).toBeUndefined();
    }

    // HAProxy: the dead process out of rotation, every socket now on the survivor.
    const states = await balancer.serverStates();
    expect(states.p2.status).toBe('DOWN');
    expect(states.p1.status).toBe('UP');
    for (const id of [...watcherIds, 't2-bidder-3', 't2-bidder-4', 't2-bidder-5'])
      expect(tracker.current(id), id).toBe('p1');

    // Every watcher converges on the whole ledger, with no gap.
    const last = ledger.length;
    await until(
      () => watchers.every((w) => w.contiguousUpTo() >= last),
      `every watcher to hold seqs 1–${last}`,
      20_000,
    );
    for (const w of watchers)
      expect([...w.ledger.values()].sort((x, y) => x.seq - y.seq).map((e) => [e.seq, e.amount, e.bidderCode])).toEqual(
        ledger.map((e) => [e.seq, e.amount, e.bidderCode]),
      );
    // The survivor's own watchers never lost their connection, and saw every entry in order.
    for (const id of onSurvivor) {
      expect(tracker.history(id), id).toEqual(['p1']);
      expect(watchers[watcherIds.indexOf(id)].orderViolations(), id).toEqual([]);
    }
    for (const id of onDoomed) expect(tracker.history(id), id).toEqual(['p2', 'p1']);
    expect(problems).toEqual([]);

    const count = (f: (x: Attempt) => boolean): number => attempts.filter(f).length;
    console.log(
      `load balancer failover: ${attempts.length} bids sent, ${count((x) => x.outcome === 'accepted')} accepted ` +
        `(${acceptedSince(downAt).length} after p2 was DOWN), ${count((x) => x.outcome === 'refused')} refused, ` +
        `${unknown.length} without a definite answer (${unknown.map((x) => `${x.via} ${x.detail}`).join(', ') || 'none'}), ` +
        `of which ${unknown.filter((x) => byAmount.has(x.amount)).length} committed; ` +
        `${ledger.length} ledger entries; p2 DOWN ${downAfterMs} ms after kill -9, its ${onDoomed.length} watchers ` +
        `back on p1 within ${backAfterMs} ms; HAProxy p1 redispatches ${states.p1.redispatches}, p2 ${states.p2.redispatches}`,
    );
  }, 150_000);

  it('takes a stopping process (SIGTERM) out of rotation with every bid answered; a restarted one rejoins', async () => {
    // The killed process comes back on its port (when the test before ran), and HAProxy's checks put
    // it in rotation again.
    if (b.child.exitCode !== null || b.child.signalCode !== null) b = await startServerProcess(env, { port: b.port });
    await balancer.waitFor('p2', 'UP', 15_000);
    const lot = await setUpLot(a.base, idp, { adminPid, bidders: 3, registrationMs: 8_000, biddingMs: 300_000 });
    // p1 holds the previous test's sockets, so least connections sends new sockets and requests to p2.
    const ids = [0, 1, 2, 3].map((i) => `t4-watcher-${i}`);
    const problems: string[] = [];
    const watchers: Watcher[] = [];
    for (const id of ids) {
      const w = new Watcher(await open(id, { reconnect: true }), lot.lotId);
      await w.watch();
      w.socket.on('connect', () => {
        w.watch()
          .then(() => w.resync(w.contiguousUpTo()))
          .catch((err: Error) => problems.push(`${id} could not watch again: ${err.message}`));
      });
      watchers.push(w);
    }
    const onStopping = ids.filter((id) => tracker.current(id) === 'p2');
    expect(onStopping.length).toBeGreaterThan(0);

    await waitUntil(lot.startsAt);
    let k = 0;
    let flowing = true;
    const answers: {
      status: number;
      seq?: number;
      amount: number;
      servedBy: string | null;
      sentAt: number;
      ms: number;
    }[] = [];
    const loop = async (i: number): Promise<void> => {
      for (let n = 0; flowing; n++) {
        const amount = lot.startingPrice + lot.priceStep * k++;
        const sentAt = Date.now();
        const res = await timedCall(balancer.base, 'POST', `/api/lots/${lot.lotId}/bids`, {
          token: lot.bidders[i].token,
          body: { amount },
          headers: { 'idempotency-key': `t4-${i}-${n}` },
        });
        answers.push({
          status: res.status,
          seq: res.json?.seq,
          amount,
          servedBy: res.headers?.get('x-served-by') ?? null,
          sentAt,
          ms: Math.round(res.ms),
        });
        await sleep(30 + Math.random() * 40);
      }
    };
    const loops = [0, 1, 2].map(loop);
    await until(() => answers.filter((x) => x.servedBy === 'p2').length >= 10, 'bids answered by p2', 20_000);
    // The balancer has not noticed yet (production checks take seconds to fail): p2 stays in rotation
    // while it stops, and requests keep coming over HAProxy's kept-alive connections to it.
    await balancer.command('disable health platform/p2');
    const stopAt = Date.now();
    const stopped = await b.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    expect(b.output()).toContain('shut down cleanly');
    await balancer.command('enable health platform/p2');
    await balancer.waitFor('p2', 'DOWN', 15_000);
    const afterStop = answers.length;
    await until(() => answers.length >= afterStop + 10, 'bids after the stop', 20_000);
    flowing = false;
    await Promise.all(loops);

    // A graceful stop answers every bid: accepted, or refused by the rules; no 5xx, no silence.
    const statuses = [...new Set(answers.map((x) => x.status))].sort();
    const indefinite = answers.filter((x) => x.status !== 201 && !(x.status >= 400 && x.status < 500));
    expect(
      indefinite.map((x) => `${x.status} sent ${x.sentAt - stopAt} ms after SIGTERM, answered in ${x.ms} ms`),
      `${b.output()}\n${balancer
        .output()
        .split('\n')
        .filter((l) => !/ 20[01] | 409 /.test(l))
        .join('\n')}`,
    ).toEqual([]);
    const ledger = await readLedger(balancer.base, lot.lotId);
    const accepted = answers.filter((x) => x.status === 201);
    expect(accepted.map((x) => x.seq).sort((x, y) => x! - y!)).toEqual(ledger.map((e) => e.seq));
    for (const id of onStopping) await until(() => tracker.current(id) === 'p1', `${id} to reconnect to p1`);
    await until(
      () => watchers.every((w) => w.contiguousUpTo() >= ledger.length),
      'every watcher to hold the whole ledger',
      20_000,
    );
    expect(problems).toEqual([]);
    console.log(
      `graceful stop behind the balancer: ${answers.length} bids, ${accepted.length} accepted, statuses ${statuses.join('/')}, ` +
        `stop took ${stopped.ms} ms, ${onStopping.length} watchers moved to p1`,
    );
  }, 120_000);
});

/** A bid over the socket with its Idempotency-Key; undefined when no answer came within 5 s. */
async function socketBid(
  socket: ClientSocket,
  lot: LotScenario,
  attempt: Attempt,
): Promise<Ack<{ bid: { seq: number } }> | undefined> {
  try {
    return await (
      socket as unknown as {
        timeout(ms: number): { emitWithAck(event: string, ...a: unknown[]): Promise<Ack<{ bid: { seq: number } }>> };
      }
    )
      .timeout(5_000)
      .emitWithAck('bid', { lotId: lot.lotId, amount: attempt.amount, idempotencyKey: attempt.key });
  } catch {
    return undefined;
  }
}
