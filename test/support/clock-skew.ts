// Starting a platform process on a host whose wall clock is off (clock-skew-preload.ts).
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const PRELOAD = pathToFileURL(path.join(import.meta.dirname, 'clock-skew-preload.ts')).href;

/** Environment for startServerProcess: the process's Date reads `skewMs` ms ahead (positive) or behind (negative). */
export function clockSkewEnv(skewMs: number): Record<string, string> {
  return { NODE_OPTIONS: `--import=${PRELOAD}`, TEST_CLOCK_SKEW_MS: String(skewMs) };
}
