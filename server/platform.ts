// Builds the whole platform on one HTTP server: the API under /api, browser sign-in under /auth, the
// demo identity provider under /demo-idp, socket.io under /socket.io, and the SvelteKit pages for every
// other path. Also owns graceful shutdown: stop accepting, finish in-flight requests, close sockets,
// stop background jobs, close the database.
import http from 'node:http';
import { Hono } from 'hono';
import { getRequestListener } from '@hono/node-server';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import { openDatabase, type Database } from '../db/client.ts';
import { usePersonalDataKeys } from './privacy/personal-data.ts';
import { convertPersonalDataAndLog } from './privacy/conversion.ts';
import { usePersonHashKey } from './audit/person-hash.ts';
import type { Clock } from './shared/clock.ts';
import { DatabaseClock, databaseTimeReader } from './shared/database-clock.ts';
import { createLogger, type Logger } from './shared/log.ts';
import { DomainEvents } from './shared/events.ts';
import { createApiApp } from './http/app.ts';
import { errorBody } from './http/error-body.ts';
import { refuse } from './shared/errors.ts';
import { bidDoor } from './http/bid-door.ts';
import { mountDocs } from './http/docs.ts';
import { healthRoutes } from './http/health-routes.ts';
import { createIdentity } from './identity/index.ts';
import { createRealtime } from './realtime/index.ts';
import { createDomainModules } from './modules.ts';
import { ATOM_PATH } from './results/atom.ts';
import type { AppEnv } from './identity/person.ts';

/** Pending connections the kernel may queue before the server accepts them. */
const LISTEN_BACKLOG = 4096;

export interface PlatformOptions {
  clock?: Clock;
  log?: Logger;
  /** An already opened database (tests); otherwise opened from the configuration. */
  database?: Database;
  /** Serve the SvelteKit pages from build/ (default true). */
  pages?: boolean;
}

export interface Platform {
  ctx: AppContext;
  server: http.Server;
  /** The Hono app for /api and /auth, for in-process requests in tests. */
  fetch: (request: Request) => Response | Promise<Response>;
  listen(port: number, host?: string): Promise<number>;
  stop(): Promise<void>;
}

type NodeHandler = (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void;

async function loadPages(log: Logger): Promise<NodeHandler | undefined> {
  try {
    const mod = (await import(new URL('../build/handler.js', import.meta.url).href)) as { handler: NodeHandler };
    return mod.handler;
  } catch (err) {
    log.warn({ err }, 'the web build is missing: pages are not served (run npm run build)');
    return undefined;
  }
}

export async function createPlatform(config: Config, options: PlatformOptions = {}): Promise<Platform> {
  const log = options.log ?? createLogger({ level: config.logLevel });
  // The key of the hashes the chains carry instead of personal ids, installed before anything is
  // written to the audit log (server/audit/person-hash.ts).
  log.info(usePersonHashKey(config), 'person-hash key loaded');
  // The keys that wrap personal data at rest (server/privacy/personal-data.ts), before the migration
  // that may seal an older database's clear data.
  log.info(usePersonalDataKeys(config), 'personal-data keys loaded');
  const database =
    options.database ??
    (await openDatabase({
      url: config.databaseUrl,
      ownerUrl: config.databaseOwnerUrl,
      dataDir: config.dataDir,
      poolSize: config.databasePoolSize,
      timeouts: config.databaseTimeouts,
      log,
    }));
  if (!options.database) await database.migrate(convertPersonalDataAndLog(log));
  // One clock for every process: the database's (tests bring a controlled clock instead).
  const databaseClock = options.clock
    ? undefined
    : new DatabaseClock({ readDatabaseMs: databaseTimeReader(database.db), log });
  await databaseClock?.start();
  const ctx: AppContext = {
    config,
    database,
    db: database.db,
    clock: options.clock ?? databaseClock!,
    log,
    events: new DomainEvents(log),
  };

  let realtime: Awaited<ReturnType<typeof createRealtime>> | undefined;
  const identity = await createIdentity(ctx);
  const modules = await createDomainModules(ctx, identity);
  const api = createApiApp(ctx, {
    authenticate: identity.authenticate,
    // The realtime gateway is attached to the HTTP server below; health asks it for Redis' state then.
    routers: [
      {
        path: '/',
        app: healthRoutes(ctx, {
          redis: () => realtime?.redis() ?? 'off',
          clockOffsetMs: () => databaseClock?.reading?.offsetMs ?? null,
          load: () => modules.admission.load(),
        }),
      },
      ...identity.routers,
      ...modules.routers,
    ],
    onBidShed: (lotId, reason) => modules.engine.shedLog.record(lotId, reason, new Date()),
  });
  mountDocs(api);

  const root = new Hono<AppEnv>();
  root.route('/api', api);
  for (const r of identity.rootRouters ?? []) root.route(r.path, r.app);
  root.notFound((c) => c.json(errorBody(refuse('endpoint_unknown', { method: c.req.method, path: c.req.path })), 404));
  const honoListener = getRequestListener(root.fetch);
  const pages = options.pages === false ? undefined : await loadPages(log);
  const mounts = identity.nodeMounts ?? [];

  // Slow clients (slowloris) are cut: headers must arrive within headersTimeout and the whole request
  // within requestTimeout, checked every second (Node's default check runs every 30 s). Idle
  // keep-alive connections are governed by keepAliveTimeout alone (longer than a balancer's idle timeout).
  const serverOptions: http.ServerOptions = {
    headersTimeout: config.http.headersTimeoutMs,
    requestTimeout: config.http.requestTimeoutMs,
    connectionsCheckingInterval: 1_000,
    keepAliveTimeout: 65_000,
  };
  // HSTS on every response of an https deployment, pages and sign-in included (the API also sets it).
  const hsts = config.publicOrigin?.startsWith('https://') ? 'max-age=31536000; includeSubDomains' : undefined;
  const refusedAtTheDoor = bidDoor(modules.admission);
  // Set when the process starts to stop. The listener closes at once and idle connections are closed,
  // but a kept-alive connection (a load balancer's pooled one above all) that is busy at that moment
  // would become idle again after its answer, and be closed later (socket.io's close closes idle
  // connections again) just as the balancer sends it another request, which is then lost unanswered.
  // So every answer from the stop on, including those to requests already running, closes its
  // connection: the balancer opens a new one, is refused, and sends the request to another process.
  let draining = false;
  const running = new Set<http.ServerResponse>();
  const server = http.createServer(serverOptions, (req, res) => {
    if (draining) res.setHeader('connection', 'close');
    else {
      running.add(res);
      res.once('close', () => running.delete(res));
    }
    if (hsts) res.setHeader('strict-transport-security', hsts);
    if (refusedAtTheDoor(req, res)) return;
    const url = req.url ?? '/';
    const mount = mounts.find(
      (m) => url === m.prefix || url.startsWith(`${m.prefix}/`) || url.startsWith(`${m.prefix}?`),
    );
    if (mount) return void mount.handle(req, res);
    // The results' Atom feed, at the site's root where feed readers look: the API's own route serves it.
    if (url === ATOM_PATH || url.startsWith(`${ATOM_PATH}?`)) {
      req.url = `/api${url}`;
      return void honoListener(req, res);
    }
    if (url.startsWith('/api/') || url === '/api' || url.startsWith('/auth/')) return void honoListener(req, res);
    if (pages) {
      return void pages(req, res, () => {
        res.statusCode = 404;
        res.end('Not found');
      });
    }
    res.statusCode = 503;
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end('The web app is not built. Run npm start (which builds it) or npm run build.');
  });

  realtime = await createRealtime(ctx, server, {
    identity,
    bids: modules.bids,
    admission: modules.admission,
    onBidShed: (lotId, reason) => modules.engine.shedLog.record(lotId, reason, new Date()),
    sealed: modules.sealed,
  });
  let stopping: Promise<void> | undefined;

  return {
    ctx,
    server,
    fetch: root.fetch,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        // A deep accept queue: at the opening rush thousands of browsers connect at once, and with
        // Node's default of 511 the kernel drops their SYNs, which the clients resend only after 1 s,
        // then 3 s (the kernel caps it at net.core.somaxconn).
        server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
          server.off('error', reject);
          const address = server.address();
          modules.start();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      }),
    stop: () =>
      (stopping ??= (async () => {
        draining = true;
        for (const res of running) if (!res.headersSent) res.setHeader('connection', 'close');
        // close() below also closes the connections that look idle. A request a balancer sent just
        // before the signal may sit unread on one of them (the event loop was busy): let this turn's
        // pending reads be taken first, so that request is answered rather than dropped unanswered.
        await new Promise((resolve) => setImmediate(resolve));
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await modules.stop();
        await realtime?.close();
        // In-flight requests get a few seconds to finish; then remaining connections are cut.
        const force = setTimeout(() => server.closeAllConnections(), 3_000);
        await closed;
        clearTimeout(force);
        await identity.close();
        databaseClock?.stop();
        if (!options.database) await database.close();
      })()),
  };
}
