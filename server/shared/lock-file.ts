// Lock files: one process at a time may hold a path. The file is created exclusively and holds the
// holder's pid and, on Linux, the holder's start time (so a pid the system has since given to another
// process does not look like the holder). A lock whose holder is gone is taken over; a lock older than
// `staleAfterMs`, when given, is taken over too. A process releases its locks when it exits, and a
// crashed one leaves a lock that the next taker finds dead and takes over.
import fs from 'node:fs';
import path from 'node:path';

export interface HeldLock {
  readonly path: string;
  /** Removes the lock file, unless another process has since taken it over. Idempotent. */
  release(): void;
}

export type LockAttempt = { acquired: HeldLock } | { heldBy: number };

export interface LockOptions {
  /** A lock older than this is taken over whoever holds it (a builder that hung); default never. */
  staleAfterMs?: number;
}

/** The locks this process holds, by absolute path: released on exit, and refused to a second taker here. */
const held = new Map<string, string>();
let exitHookInstalled = false;

/** This process's start time in clock ticks since boot (Linux), or '' where /proc is absent. */
function startTicks(pid: number | 'self'): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3, starttime field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const ownContent = (): string => `${process.pid} ${startTicks('self')}\n`;

function parse(content: string): { pid: number; start: string } {
  const [pid, start] = content.trim().split(/\s+/);
  return { pid: Number(pid) || 0, start: start ?? '' };
}

/** Whether the process recorded in a lock file still runs (and is the same process, where that can be told). */
function holderAlive(holder: { pid: number; start: string }, file: string): boolean {
  if (holder.pid <= 0) return false;
  // Our own pid in a lock we did not take: a lock left by an earlier process that had our pid (a restarted container).
  if (holder.pid === process.pid) return held.has(file);
  if (!processAlive(holder.pid)) return false;
  const start = holder.start ? startTicks(holder.pid) : '';
  return !start || start === holder.start;
}

function read(file: string): { content: string; ageMs: number } | undefined {
  try {
    return { content: fs.readFileSync(file, 'utf8'), ageMs: Date.now() - fs.statSync(file).mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The pid of the live process holding `file`, or undefined when none does. */
export function lockHolder(file: string, options: LockOptions = {}): number | undefined {
  const abs = path.resolve(file);
  const lock = read(abs);
  if (!lock) return undefined;
  const holder = parse(lock.content);
  if (!holderAlive(holder, abs)) return undefined;
  if (options.staleAfterMs !== undefined && lock.ageMs > options.staleAfterMs) return undefined;
  return holder.pid;
}

/** Takes the lock at once, or says which live process holds it. Never waits. */
export function tryLockFile(file: string, options: LockOptions = {}): LockAttempt {
  const abs = path.resolve(file);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  const content = ownContent();
  for (;;) {
    try {
      fs.writeFileSync(abs, content, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const lock = read(abs);
    if (!lock) continue; // released meanwhile
    const holder = parse(lock.content);
    const stale =
      !holderAlive(holder, abs) || (options.staleAfterMs !== undefined && lock.ageMs > options.staleAfterMs);
    if (!stale) return { heldBy: holder.pid };
    // Remove the stale lock only if it is still the one read (another taker may have replaced it), then retry.
    if (read(abs)?.content === lock.content) fs.rmSync(abs, { force: true });
  }
  held.set(abs, content);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const p of [...held.keys()]) release(p);
    });
  }
  return { acquired: { path: abs, release: () => release(abs) } };
}

/** Takes the lock, waiting (polling every `pollMs`) while a live process holds it: at most `staleAfterMs`. */
export async function waitForLockFile(
  file: string,
  options: { staleAfterMs: number; pollMs?: number },
): Promise<HeldLock> {
  for (;;) {
    const attempt = tryLockFile(file, options);
    if ('acquired' in attempt) return attempt.acquired;
    await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
  }
}

function release(abs: string): void {
  const content = held.get(abs);
  if (content === undefined) return;
  held.delete(abs);
  try {
    if (fs.readFileSync(abs, 'utf8') === content) fs.rmSync(abs, { force: true });
  } catch {
    /* already gone */
  }
}
