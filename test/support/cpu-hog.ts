// Starting a platform process whose CPU can be taken away on demand (cpu-hog-preload.ts).
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const PRELOAD = pathToFileURL(path.join(import.meta.dirname, 'cpu-hog-preload.ts')).href;

/** Environment for startServerProcess: SIGUSR2 to the process toggles a hog taking `share` of its event loop. */
export function cpuHogEnv(share: number): Record<string, string> {
  return { NODE_OPTIONS: `--import=${PRELOAD}`, TEST_CPU_HOG_SHARE: String(share) };
}
