// The entry point: check the configuration, that the port is free and that no other process holds the
// embedded database's data directory (before anything is opened), build the web app if its build is
// stale, start the platform on one port, and shut down gracefully on SIGTERM and SIGINT.
import path from 'node:path';
import { configWarnings, loadConfig, ConfigError, modeLine, REQUIRED_NODE_MAJOR, type Config } from './config.ts';
import { ensureWebBuild } from './web-build.ts';
import { lockHolder, tryLockFile, type HeldLock } from './shared/lock-file.ts';
import { listenFailure, portUnavailable } from './shared/port-check.ts';

if (Number(process.versions.node.split('.')[0]) < REQUIRED_NODE_MAJOR) {
  console.error(
    `This platform needs Node.js ${REQUIRED_NODE_MAJOR} or newer; this is ${process.version}. Use npm start.`,
  );
  process.exit(1);
}

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`Configuration error: ${err.message}`);
    process.exit(1);
  }
  throw err;
}

/** Ends the start with one line on stderr and exit code 1. */
function refuse(line: string): never {
  console.error(line);
  process.exit(1);
}

// Two processes on one embedded (PGlite) database corrupt it: its data directory is locked before it
// is opened, and a second process refuses at once. PostgreSQL serves any number of processes.
const dataDirLockFile = config.databaseUrl ? undefined : path.join(config.dataDir, 'platform.lock');
const dataDirInUse = (pid: number): string =>
  `The data directory ${path.resolve(config.dataDir)} is in use by another process (pid ${pid}): two processes on one embedded database would corrupt it. Stop that process, or give this one its own DATA_DIR.`;
const holder = dataDirLockFile ? lockHolder(dataDirLockFile) : undefined;
if (holder !== undefined) refuse(dataDirInUse(holder));
const portProblem = await portUnavailable(config.port, config.host);
if (portProblem) refuse(portProblem);
let dataDirLock: HeldLock | undefined;
if (dataDirLockFile) {
  const attempt = tryLockFile(dataDirLockFile);
  if ('heldBy' in attempt) refuse(dataDirInUse(attempt.heldBy));
  dataDirLock = attempt.acquired;
}

await ensureWebBuild({ log: (line) => console.log(line) });
const { createPlatform } = await import('./platform.ts');
const platform = await createPlatform(config);
let port: number;
try {
  port = await platform.listen(config.port, config.host);
} catch (err) {
  // Taken between the check above and now.
  await Promise.race([platform.stop(), new Promise((r) => setTimeout(r, 5_000))]);
  refuse(listenFailure(err, config.port, config.host));
}
const origin = config.publicOrigin ?? `http://localhost:${port}`;
platform.ctx.log.info({ port, database: platform.ctx.database.kind }, 'platform started');
console.log(`Auction platform listening on ${origin}`);
console.log(modeLine(config));
console.log(`Database: ${platform.ctx.database.description}`);
console.log(
  `Identity: ${config.eid.demo ? `built-in demo e-ID provider at ${origin}/demo-idp (not for production)` : `e-ID provider ${config.eid.issuer}`}`,
);
console.log(`API reference: ${origin}/api/docs`);
for (const warning of configWarnings(config)) {
  platform.ctx.log.warn(warning);
  console.warn(`Warning: ${warning}`);
}

let exiting = false;
async function shutdown(signal: string): Promise<void> {
  if (exiting) return;
  exiting = true;
  console.log(`${signal} received: shutting down`);
  const hardStop = setTimeout(() => {
    console.error('shutdown took too long; exiting');
    process.exit(1);
  }, 10_000);
  hardStop.unref();
  try {
    await platform.stop();
    dataDirLock?.release();
    console.log('shut down cleanly');
    process.exit(0);
  } catch (err) {
    console.error('shutdown failed', err);
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
