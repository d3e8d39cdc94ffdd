// Lock files (server/shared/lock-file.ts) between real processes: refused while the holder runs,
// taken over when it crashed or exited, released on exit, never taken from a live holder by a pid that
// merely looks alike.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { lockHolder, tryLockFile, waitForLockFile } from '../../server/shared/lock-file.ts';

const MODULE = pathToFileURL(path.resolve(import.meta.dirname, '../../server/shared/lock-file.ts')).href;
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function lockPath(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lock-file-'));
  dirs.push(dir);
  return path.join(dir, 'sub', 'test.lock');
}

/** Another process that takes the lock, says so, and exits normally after `exitAfterMs` (default: never). */
async function holderProcess(file: string, exitAfterMs?: number): Promise<ChildProcess> {
  const code = `
    const { tryLockFile } = await import(${JSON.stringify(MODULE)});
    const attempt = tryLockFile(${JSON.stringify(file)});
    console.log('acquired' in attempt ? 'held' : 'refused');
    ${exitAfterMs === undefined ? 'setInterval(() => {}, 1000);' : `setTimeout(() => process.exit(0), ${exitAfterMs});`}
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const line = await new Promise<string>((resolve) => child.stdout!.once('data', (d) => resolve(String(d).trim())));
  expect(line).toBe('held');
  return child;
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));

describe('a lock file', () => {
  it('is taken when free, refused to a second taker in the same process, and removed on release', () => {
    const file = lockPath();
    const attempt = tryLockFile(file);
    if (!('acquired' in attempt)) throw new Error('not acquired');
    expect(fs.readFileSync(file, 'utf8')).toMatch(new RegExp(`^${process.pid}\\b`));
    expect(tryLockFile(file)).toEqual({ heldBy: process.pid });
    expect(lockHolder(file)).toBe(process.pid);
    attempt.acquired.release();
    expect(fs.existsSync(file)).toBe(false);
    expect(lockHolder(file)).toBeUndefined();
    attempt.acquired.release();
  });

  it('is refused while another process holds it, and taken over once that process was killed', async () => {
    const file = lockPath();
    const holder = await holderProcess(file);
    expect(tryLockFile(file)).toEqual({ heldBy: holder.pid });
    expect(lockHolder(file)).toBe(holder.pid);

    holder.kill('SIGKILL');
    await exited(holder);
    expect(fs.existsSync(file)).toBe(true); // a crash leaves it behind
    expect(lockHolder(file)).toBeUndefined();
    const attempt = tryLockFile(file);
    expect('acquired' in attempt).toBe(true);
    if ('acquired' in attempt) attempt.acquired.release();
  });

  it('is removed when its holder exits normally, and a waiting taker gets it then', async () => {
    const file = lockPath();
    const holder = await holderProcess(file, 500);
    const began = Date.now();
    const lock = await waitForLockFile(file, { staleAfterMs: 60_000, pollMs: 50 });
    await exited(holder);
    expect(Date.now() - began).toBeGreaterThanOrEqual(300);
    expect(fs.readFileSync(file, 'utf8')).toMatch(new RegExp(`^${process.pid}\\b`));
    lock.release();

    const second = await holderProcess(file, 0);
    await exited(second);
    expect(fs.existsSync(file)).toBe(false);
  });

  it.runIf(fs.existsSync('/proc/self/stat'))(
    'is taken over when its pid now belongs to another process (a different start time)',
    () => {
      const file = lockPath();
      fs.mkdirSync(path.dirname(file), { recursive: true });
      // The parent process runs, but it is not the process that wrote this lock (that one started at tick 1).
      fs.writeFileSync(file, `${process.ppid} 1\n`);
      expect(lockHolder(file)).toBeUndefined();
      const attempt = tryLockFile(file);
      expect('acquired' in attempt).toBe(true);
      if ('acquired' in attempt) attempt.acquired.release();
    },
  );

  it('is taken over when it names this very pid but this process never took it (a restarted container)', () => {
    const file = lockPath();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${process.pid}\n`);
    const attempt = tryLockFile(file);
    expect('acquired' in attempt).toBe(true);
    if ('acquired' in attempt) attempt.acquired.release();
  });

  it('is taken over from a live holder only past staleAfterMs', async () => {
    const file = lockPath();
    const holder = await holderProcess(file);
    expect(tryLockFile(file, { staleAfterMs: 60_000 })).toEqual({ heldBy: holder.pid });
    const hourAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(file, hourAgo, hourAgo);
    const attempt = tryLockFile(file, { staleAfterMs: 60_000 });
    expect('acquired' in attempt).toBe(true);
    if ('acquired' in attempt) attempt.acquired.release();
  });

  it('is not removed by a release after another process took it over', () => {
    const file = lockPath();
    const attempt = tryLockFile(file);
    if (!('acquired' in attempt)) throw new Error('not acquired');
    fs.writeFileSync(file, '999999 1\n');
    attempt.acquired.release();
    expect(fs.readFileSync(file, 'utf8')).toBe('999999 1\n');
  });
});
