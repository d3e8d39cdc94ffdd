// A lean socket.io client for the watcher pools: the socket.io v5 / Engine.IO v4 wire protocol over
// one `ws` WebSocket, exactly the frames a browser's socket.io-client exchanges with the server
// (open, namespace connect, events, acknowledgements, ping/pong), without the client library's layers
// of emitters, managers and reconnection. The watcher pools hold thousands of sockets on the same
// two cores as the server under test; with socket.io-client they spent about 1 ms of CPU per bid
// that would, in production, be spent on the watchers' own devices.
import WebSocket from 'ws';

/** Engine.IO packet types (first character of a frame). */
const EIO = { open: '0', close: '1', ping: '2', pong: '3', message: '4' } as const;
/** socket.io packet types (second character of a message frame). */
const SIO = { connect: '0', disconnect: '1', event: '2', ack: '3', connectError: '4' } as const;

export type EventHandler = (name: string, data: unknown) => void;

/**
 * A broadcast reaches every socket of a pool as the same frame: it is parsed once (the last few
 * frames are remembered and compared byte for byte, far cheaper than hashing them as strings) and
 * each socket's handler gets the same, read-only value.
 */
const recentEvents: { raw: Buffer; event: [string, unknown] }[] = [];
const RECENT_KEEP = 8;
function parseEvent(raw: Buffer): [string, unknown] {
  for (let i = recentEvents.length - 1; i >= 0; i--) if (recentEvents[i].raw.equals(raw)) return recentEvents[i].event;
  const event = JSON.parse(raw.toString('utf8', 2)) as [string, unknown];
  recentEvents.push({ raw: Buffer.from(raw), event });
  if (recentEvents.length > RECENT_KEEP) recentEvents.shift();
  return event;
}

export interface WireSocket {
  /** Emits an event with an acknowledgement; rejects after timeoutMs or if the socket closes. */
  request<T>(event: string, data: unknown, timeoutMs: number): Promise<T>;
  readonly connected: boolean;
  close(): void;
}

export interface WireOptions {
  onEvent: EventHandler;
  /** The socket closed after it had connected (not by close()). */
  onDisconnect: (reason: string) => void;
  timeoutMs: number;
}

/** Opens a WebSocket to `${base}/socket.io/` and connects to the default namespace. */
export function connectWire(base: string, options: WireOptions): Promise<WireSocket> {
  const url = `${base.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const acks = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
    let nextAck = 0;
    let connected = false;
    let closedByUs = false;
    const fail = (err: Error): void => {
      if (!connected) reject(err);
      for (const a of acks.values()) {
        clearTimeout(a.timer);
        a.reject(err);
      }
      acks.clear();
    };
    const timer = setTimeout(() => {
      ws.terminate();
      fail(new Error(`no socket.io connect within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    const socket: WireSocket = {
      get connected() {
        return connected && ws.readyState === WebSocket.OPEN;
      },
      request<T>(event: string, data: unknown, timeoutMs: number): Promise<T> {
        return new Promise<T>((res, rej) => {
          const id = nextAck++;
          const t = setTimeout(() => {
            acks.delete(id);
            rej(new Error(`no answer to ${event} within ${timeoutMs} ms`));
          }, timeoutMs);
          acks.set(id, { resolve: res as (v: never) => void, reject: rej, timer: t });
          ws.send(`${EIO.message}${SIO.event}${id}${JSON.stringify([event, data])}`);
        });
      },
      close() {
        closedByUs = true;
        ws.close();
      },
    };
    ws.on('message', (raw: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      if (raw[0] === 0x34 && raw[1] === 0x32) {
        // "42[...]": an event (the bulk of the traffic).
        const [name, data] = parseEvent(raw);
        options.onEvent(name, data);
        return;
      }
      const frame = raw.toString();
      switch (frame[0]) {
        case EIO.open:
          ws.send(`${EIO.message}${SIO.connect}`);
          return;
        case EIO.ping:
          ws.send(EIO.pong);
          return;
        case EIO.message:
          break;
        default:
          return;
      }
      const type = frame[1];
      if (type === SIO.ack) {
        const open = frame.indexOf('[');
        const id = Number(frame.slice(2, open));
        const a = acks.get(id);
        if (!a) return;
        acks.delete(id);
        clearTimeout(a.timer);
        a.resolve((JSON.parse(frame.slice(open)) as never[])[0]);
      } else if (type === SIO.connect) {
        clearTimeout(timer);
        connected = true;
        resolve(socket);
      } else if (type === SIO.connectError) {
        clearTimeout(timer);
        ws.close();
        fail(new Error(`connect refused: ${frame.slice(2, 200)}`));
      } else if (type === SIO.disconnect) {
        ws.close();
      }
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
    ws.on('close', (code) => {
      clearTimeout(timer);
      const wasConnected = connected;
      connected = false;
      fail(new Error(`closed (${code})`));
      if (wasConnected && !closedByUs) options.onDisconnect(`closed (${code})`);
    });
  });
}
