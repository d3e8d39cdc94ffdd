// Builds the SvelteKit app when its build is missing or older than its sources, so that
// `npm install && npm start` on a fresh clone serves the pages.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { lockHolder, waitForLockFile } from './shared/lock-file.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = ['web', 'vite.config.ts', 'package.json'];

function newestMtime(p: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

/** True when build/handler.js is missing or older than any source of the web app. */
export function webBuildIsStale(root = ROOT): boolean {
  const built = newestMtime(path.join(root, 'build', 'handler.js'));
  if (!built) return true;
  return SOURCES.some((s) => newestMtime(path.join(root, s)) > built);
}

/**
 * One build at a time per checkout: two processes starting together (a test run beside a server, or
 * two test files) would otherwise both rebuild and delete each other's files. A builder that hung is
 * taken over after 10 minutes (server/shared/lock-file.ts), which also bounds the wait.
 */
const LOCK_STALE_MS = 10 * 60_000;
const lockPath = (root: string): string => path.join(root, 'node_modules', '.cache', 'web-build.lock');

export async function ensureWebBuild(options: { log: (line: string) => void; root?: string }): Promise<void> {
  const root = options.root ?? ROOT;
  // A build in progress elsewhere leaves a fresh-looking handler.js before it ends: wait for it too.
  if (!webBuildIsStale(root) && lockHolder(lockPath(root), { staleAfterMs: LOCK_STALE_MS }) === undefined) return;
  const lock = await waitForLockFile(lockPath(root), { staleAfterMs: LOCK_STALE_MS });
  try {
    // Another process may have built it while this one waited for the lock.
    if (webBuildIsStale(root)) build(root, options.log);
  } finally {
    lock.release();
  }
}

function build(root: string, log: (line: string) => void): void {
  log('Building the web app (its build is missing or older than its sources)…');
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('the web build failed (see the output above)');
  // The build writes files before handler.js; touch it so a later start sees it as fresh.
  const handler = path.join(root, 'build', 'handler.js');
  const now = new Date();
  fs.utimesSync(handler, now, now);
}
