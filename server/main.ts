// The entry point: check the configuration, build the web app if its build is stale, start the
// platform on one port, and shut down gracefully on SIGTERM and SIGINT.
import { configWarnings, loadConfig, ConfigError, modeLine, REQUIRED_NODE_MAJOR, type Config } from './config.ts';
import { ensureWebBuild } from './web-build.ts';

if (Number(process.versions.node.split('.')[0]) < REQUIRED_NODE_MAJOR) {
  console.error(`This platform needs Node.js ${REQUIRED_NODE_MAJOR} or newer; this is ${process.version}. Use npm start.`);
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

await ensureWebBuild({ log: (line) => console.log(line) });
const { createPlatform } = await import('./platform.ts');
const platform = await createPlatform(config);
const port = await platform.listen(config.port, config.host);
const origin = config.publicOrigin ?? `http://localhost:${port}`;
platform.ctx.log.info({ port, database: platform.ctx.database.kind }, 'platform started');
console.log(`Auction platform listening on ${origin}`);
console.log(modeLine(config));
console.log(`Database: ${platform.ctx.database.description}`);
console.log(`Identity: ${config.eid.demo ? `built-in demo e-ID provider at ${origin}/demo-idp (not for production)` : `e-ID provider ${config.eid.issuer}`}`);
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
    console.log('shut down cleanly');
    process.exit(0);
  } catch (err) {
    console.error('shutdown failed', err);
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
