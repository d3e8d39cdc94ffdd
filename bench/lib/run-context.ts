// What every scenario's run begins with (bench/storm.ts, day.ts, catalogue.ts): a log line stamped
// with the seconds since the start, the run's timestamp, a bench database name and a log directory of
// its own, clean-up on Ctrl-C or SIGTERM, and the signed-in people the bench's identity provider makes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchPid, type BenchIdp } from './idp.ts';
import type { Person } from './platform.ts';

export interface RunContext {
  /** When the run started (ms since the epoch). */
  started: number;
  /** When the run started (ISO-8601): results and databases are named after it. */
  stamp: string;
  /** A database name of this run's own: `<prefix>_<yyyymmddhhmmss>_<pid>`. */
  dbName: string;
  /** A fresh directory for the platform's and helpers' logs. */
  logDir: string;
  log(line: string): void;
  /** Runs `cleanup` on SIGINT or SIGTERM, then exits 130. */
  onInterrupt(cleanup: () => Promise<unknown>): void;
}

export function runContext(prefix: string): RunContext {
  const started = Date.now();
  const stamp = new Date(started).toISOString();
  const log = (line: string): void =>
    console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);
  return {
    started,
    stamp,
    dbName: `${prefix}_${stamp.replace(/\D/g, '').slice(0, 14)}_${process.pid}`,
    logDir: fs.mkdtempSync(path.join(os.tmpdir(), `${prefix.replace(/_/g, '-')}-`)),
    log,
    onInterrupt(cleanup) {
      for (const signal of ['SIGINT', 'SIGTERM'] as const)
        process.once(signal, () => {
          log(`${signal}: cleaning up`);
          void Promise.resolve()
            .then(cleanup)
            .catch(() => {})
            .finally(() => process.exit(130));
        });
    },
  };
}

/** A person of the bench's identity provider, with a level-2 token: `group` and `i` make their personal id. */
export async function benchPerson(idp: BenchIdp, group: number, i: number, name: string): Promise<Person> {
  return { pid: benchPid(group, i), name, token: await idp.token(benchPid(group, i), name) };
}
