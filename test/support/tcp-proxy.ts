// A small TCP proxy for fault injection: the platform under test connects to PostgreSQL or Redis
// through it, and the test cuts, stalls, slows and restores the link. Stopping the machine's shared
// PostgreSQL or Redis would break every other test running at the same time; cutting a proxy breaks
// only the platform behind it.
//
// Modes:
// - `pass`: bytes flow both ways (after `delayMs`, if set).
// - `cut`: every open connection is reset and new ones are refused at once (a server that is down).
// - `stall`: connections stay open but no byte moves either way, and new connections hang
//   (a network partition, or a server that stopped answering): what timeouts exist for.
import net from 'node:net';

export type ProxyMode = 'pass' | 'cut' | 'stall';

export interface TcpProxy {
  port: number;
  /** `127.0.0.1:port`, for a connection URL. */
  host: string;
  mode(): ProxyMode;
  /** Resets every open connection and refuses new ones until restore(). */
  cut(): void;
  /** Freezes every open connection and holds new ones until restore() (bytes are kept, not lost). */
  stall(): void;
  /** Back to passing bytes; stalled connections resume. */
  restore(): void;
  /** Delays every chunk in both directions by this many milliseconds (0: none). */
  delay(ms: number): void;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

interface Link {
  client: net.Socket;
  upstream?: net.Socket;
  /** Chunks held while stalled, per direction, in order. */
  held: { to: 'upstream' | 'client'; chunk: Buffer }[];
}

/** Starts a proxy on a free loopback port forwarding to `target` (host:port). */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let current: ProxyMode = 'pass';
  let delayMs = 0;
  let accepted = 0;
  const links = new Set<Link>();
  const pendingConnects: (() => void)[] = [];

  const send = (link: Link, to: 'upstream' | 'client', chunk: Buffer): void => {
    if (current === 'stall') {
      link.held.push({ to, chunk });
      return;
    }
    const write = (): void => {
      const socket = to === 'upstream' ? link.upstream : link.client;
      if (socket && !socket.destroyed) socket.write(chunk);
    };
    if (delayMs > 0) setTimeout(write, delayMs);
    else write();
  };

  const destroy = (link: Link): void => {
    link.client.resetAndDestroy();
    link.upstream?.resetAndDestroy();
    links.delete(link);
  };

  const open = (link: Link): void => {
    const upstream = net.connect(target.port, target.host);
    link.upstream = upstream;
    upstream.on('data', (chunk: Buffer) => send(link, 'client', chunk));
    upstream.on('error', () => destroy(link));
    upstream.on('close', () => {
      if (links.has(link)) {
        link.client.end();
        links.delete(link);
      }
    });
  };

  const server = net.createServer((client) => {
    accepted++;
    if (current === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const link: Link = { client, held: [] };
    links.add(link);
    client.on('data', (chunk: Buffer) => send(link, 'upstream', chunk));
    client.on('error', () => destroy(link));
    client.on('close', () => {
      link.upstream?.end();
      links.delete(link);
    });
    if (current === 'stall') pendingConnects.push(() => links.has(link) && open(link));
    else open(link);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    host: `127.0.0.1:${port}`,
    mode: () => current,
    cut() {
      current = 'cut';
      for (const link of [...links]) destroy(link);
      pendingConnects.length = 0;
    },
    stall() {
      current = 'stall';
    },
    restore() {
      current = 'pass';
      for (const connect of pendingConnects.splice(0)) connect();
      for (const link of links) for (const { to, chunk } of link.held.splice(0)) send(link, to, chunk);
    },
    delay(ms) {
      delayMs = Math.max(0, ms);
    },
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const link of [...links]) destroy(link);
        server.close(() => resolve());
      }),
  };
}
