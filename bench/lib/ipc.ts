// Request/response over the IPC channel between the orchestrator and its child processes (load
// generators, watcher pools, the fan-out baseline server, the platform's event-loop probe).
import { fork, type ChildProcess } from 'node:child_process';

interface Request {
  id: number;
  type: string;
  payload?: unknown;
}
interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

export interface ChildHandle {
  proc: ChildProcess;
  pid: number;
  call<T>(type: string, payload?: unknown, timeoutMs?: number): Promise<T>;
  /** Kills the child (SIGTERM, then SIGKILL after a grace period) and resolves when it exited. */
  stop(): Promise<void>;
}

/** Wraps a process with an IPC channel; replies are matched to requests by id. */
export function wrapChild(proc: ChildProcess, name: string): ChildHandle {
  let next = 1;
  const pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  proc.on('message', (m: Reply) => {
    const p = typeof m === 'object' && m !== null && 'id' in m ? pending.get(m.id) : undefined;
    if (!p) return;
    pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.ok) p.resolve(m.value);
    else p.reject(new Error(`${name}: ${m.error}`));
  });
  proc.on('exit', (code, signal) => {
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(`${name} exited (${code ?? signal}) with a request pending`));
    }
    pending.clear();
  });
  return {
    proc,
    pid: proc.pid ?? 0,
    call<T>(type: string, payload?: unknown, timeoutMs = 120_000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        if (!proc.connected) return reject(new Error(`${name} is not running`));
        const id = next++;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${name}: ${type} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
        proc.send({ id, type, payload } satisfies Request);
      });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        const kill = setTimeout(() => proc.kill('SIGKILL'), 5_000);
        proc.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        proc.kill('SIGTERM');
      }),
  };
}

/** Forks a bench script (run by the same Node binary) with an IPC channel. */
export function forkBench(
  script: string,
  name: string,
  options: { env?: NodeJS.ProcessEnv; execArgv?: string[] } = {},
): ChildHandle {
  const proc = fork(script, [], {
    execPath: process.execPath,
    execArgv: options.execArgv ?? [],
    env: options.env ?? process.env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return wrapChild(proc, name);
}

type Handler = (payload: never) => unknown;

/** The child side: answers requests by type; an unknown type or a throwing handler is an error reply. */
export function serveIpc(handlers: Record<string, Handler>): void {
  if (!process.send) throw new Error('this bench script runs only as a child of bench/storm.ts');
  process.on('message', (m: Request) => {
    if (m.type.startsWith('probe:')) return; // answered by bench/server-probe.ts when preloaded
    const reply = (r: Omit<Reply, 'id'>): void => void (process.connected && process.send?.({ id: m.id, ...r }));
    const handler = handlers[m.type];
    if (!handler) return reply({ ok: false, error: `unknown request ${m.type}` });
    Promise.resolve()
      .then(() => handler(m.payload as never))
      .then(
        (value) => reply({ ok: true, value }),
        (err: unknown) => reply({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
      );
  });
  // A preloaded probe may have unref'd the channel; a bench child lives for its requests.
  process.channel?.ref();
  // A reply racing the orchestrator's exit fails with EPIPE: nobody is left to tell.
  process.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  // The orchestrator going away (crash, Ctrl-C) ends its children too.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}
