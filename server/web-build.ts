// Builds the SvelteKit app when its build is missing or older than its sources, so that
// `npm install && npm start` on a fresh clone serves the pages.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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

export async function ensureWebBuild(options: { log: (line: string) => void; root?: string }): Promise<void> {
  const root = options.root ?? ROOT;
  if (!webBuildIsStale(root)) return;
  options.log('Building the web app (its build is missing or older than its sources)…');
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('the web build failed (see the output above)');
  // The build writes files before handler.js; touch it so a later start sees it as fresh.
  const handler = path.join(root, 'build', 'handler.js');
  const now = new Date();
  fs.utimesSync(handler, now, now);
}
