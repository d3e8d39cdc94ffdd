// A lean HTTP/1.1 client for the overload step: keep-alive connections over plain `net` sockets, one
// request in flight per connection, a new connection opened whenever every open one is busy (up to a
// cap), and responses parsed only as far as a bid's answer needs (status line, headers, a body by
// Content-Length or chunked). At 8,000 bids/s on the same two cores as the server under test, undici
// spent more CPU than the server did and sent its bids seconds late, so the step measured the
// generator; this client leaves the CPU to the server, as bidders' own devices would in production.
import net from 'node:net';

export interface LeanResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

interface Pending {
  head: string;
  body: string;
  resolve(r: LeanResponse): void;
  reject(err: Error): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

class Connection {
  readonly socket: net.Socket;
  current: Pending | undefined;
  private buf = '';
  private closed = false;
  private readonly pool: LeanHttpPool;

  constructor(host: string, port: number, pool: LeanHttpPool) {
    this.pool = pool;
    this.socket = net.connect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.setEncoding('utf8');
    this.socket.on('data', (d: string) => this.onData(d));
    const end = (err?: Error): void => this.fail(err ?? new Error('connection closed'));
    this.socket.on('error', end);
    this.socket.on('close', () => end());
  }

  send(p: Pending): void {
    this.current = p;
    this.socket.write(p.head + p.body);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    const p = this.current;
    this.current = undefined;
    this.pool.dropped(this);
    if (p) this.pool.settle(p, () => p.reject(err));
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    for (;;) {
      const p = this.current;
      if (!p) return;
      const headEnd = this.buf.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const lines = this.buf.slice(0, headEnd).split('\r\n');
      const statusCode = Number(lines[0].split(' ')[1]);
      const headers: Record<string, string> = {};
      for (let i = 1; i < lines.length; i++) {
        const c = lines[i].indexOf(':');
        if (c > 0) headers[lines[i].slice(0, c).trim().toLowerCase()] = lines[i].slice(c + 1).trim();
      }
      let rest = this.buf.slice(headEnd + 4);
      let body: string;
      if (headers['content-length'] !== undefined) {
        // Bodies here are ASCII JSON (bidder codes, amounts, English messages): characters are bytes.
        const n = Number(headers['content-length']);
        if (Buffer.byteLength(rest) < n) return;
        const bytes = Buffer.from(rest);
        body = bytes.subarray(0, n).toString('utf8');
        rest = bytes.subarray(n).toString('utf8');
      } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
        const parsed = dechunk(rest);
        if (!parsed) return;
        body = parsed.body;
        rest = parsed.rest;
      } else {
        body = rest;
        rest = '';
      }
      this.buf = rest;
      this.current = undefined;
      this.pool.settle(p, () => p.resolve({ statusCode, headers, body }));
      if ((headers.connection ?? '').toLowerCase() === 'close') {
        this.closed = true;
        this.pool.dropped(this);
        this.socket.end();
        return;
      }
      this.pool.idle(this);
    }
  }
}

/** A chunked body if complete: the body and what follows it. */
function dechunk(s: string): { body: string; rest: string } | undefined {
  const bytes = Buffer.from(s);
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = bytes.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = parseInt(bytes.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size)) return undefined;
    const start = eol + 2;
    if (size === 0) {
      const end = bytes.indexOf('\r\n', start);
      if (end < 0) return undefined;
      return { body: Buffer.concat(parts).toString('utf8'), rest: bytes.subarray(end + 2).toString('utf8') };
    }
    if (bytes.length < start + size + 2) return undefined;
    parts.push(bytes.subarray(start, start + size));
    at = start + size + 2;
  }
}

export class LeanHttpPool {
  private readonly host: string;
  private readonly port: number;
  private readonly hostHeader: string;
  private readonly max: number;
  private readonly free: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly queue: Pending[] = [];
  private closing = false;

  constructor(base: string, options: { connections: number }) {
    const url = new URL(base);
    this.host = url.hostname;
    this.port = Number(url.port || 80);
    this.hostHeader = url.host;
    this.max = Math.max(1, options.connections);
  }

  get stats(): { connected: number; free: number; queued: number } {
    return { connected: this.all.size, free: this.free.length, queued: this.queue.length };
  }

  request(options: {
    path: string;
    method: string;
    headers?: Record<string, string>;
    body?: string;
    signal?: AbortSignal;
  }): Promise<LeanResponse> {
    const body = options.body ?? '';
    let head = `${options.method} ${options.path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\nconnection: keep-alive\r\n`;
    for (const [k, v] of Object.entries(options.headers ?? {})) head += `${k}: ${v}\r\n`;
    if (body || options.method !== 'GET') head += `content-length: ${Buffer.byteLength(body)}\r\n`;
    head += '\r\n';
    return new Promise<LeanResponse>((resolve, reject) => {
      const p: Pending = { head, body, resolve, reject, signal: options.signal };
      if (options.signal) {
        if (options.signal.aborted) return reject(abortError());
        p.onAbort = () => this.abort(p);
        options.signal.addEventListener('abort', p.onAbort, { once: true });
      }
      this.dispatch(p);
    });
  }

  /** Ends every connection (requests in flight are failed). */
  async close(): Promise<void> {
    this.closing = true;
    for (const p of this.queue.splice(0)) this.settle(p, () => p.reject(new Error('pool closed')));
    for (const c of [...this.all]) c.destroy();
  }

  /** @internal A connection finished its request and can take another. */
  idle(c: Connection): void {
    const next = this.queue.shift();
    if (next) c.send(next);
    else this.free.push(c);
  }

  /** @internal A connection is gone. */
  dropped(c: Connection): void {
    this.all.delete(c);
    const i = this.free.indexOf(c);
    if (i >= 0) this.free.splice(i, 1);
    // A queued request may now open a connection of its own.
    if (!this.closing && this.queue.length && this.all.size < this.max) this.dispatch(this.queue.shift()!);
  }

  /** @internal Resolves or rejects a request once, detaching its abort listener. */
  settle(p: Pending, fn: () => void): void {
    if (p.onAbort) p.signal?.removeEventListener('abort', p.onAbort);
    p.onAbort = undefined;
    fn();
  }

  private dispatch(p: Pending): void {
    const c = this.free.pop();
    if (c) return c.send(p);
    if (this.all.size < this.max) {
      const fresh = new Connection(this.host, this.port, this);
      this.all.add(fresh);
      fresh.send(p);
      return;
    }
    this.queue.push(p);
  }

  private abort(p: Pending): void {
    const i = this.queue.indexOf(p);
    if (i >= 0) {
      this.queue.splice(i, 1);
      return p.reject(abortError());
    }
    for (const c of this.all) {
      if (c.current === p) {
        // Like a browser giving up: the connection goes with the request.
        c.current = undefined;
        c.destroy();
        break;
      }
    }
    p.reject(abortError());
  }
}

function abortError(): Error {
  const err = new Error('aborted');
  err.name = 'AbortError';
  return err;
}
