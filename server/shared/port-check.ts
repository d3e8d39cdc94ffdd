// Whether this process may listen on a port, asked before anything is opened, so that a start on a
// busy port ends with one clear line instead of a database opened for nothing and a stack trace.
import net from 'node:net';

/** One line saying why listening on host:port fails, from the listen error. */
export function listenFailure(err: unknown, port: number, host: string | undefined): string {
  const where = host ? `${host}:${port}` : `port ${port}`;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE')
    return `Cannot listen on ${where}: another process is already listening there (EADDRINUSE). Stop it, or set PORT to a free port.`;
  if (code === 'EACCES')
    return `Cannot listen on ${where}: this user may not use that port (EACCES). Set PORT to a port above 1023.`;
  if (code === 'EADDRNOTAVAIL')
    return `Cannot listen on ${where}: this machine has no address ${host} (EADDRNOTAVAIL). Set HOST to one of its addresses.`;
  return `Cannot listen on ${where}: ${(err as Error)?.message ?? String(err)}`;
}

/**
 * Listens on host:port for a moment and closes again: undefined when that works, else the line
 * saying why not. Port 0 (any free port) always works.
 */
export function portUnavailable(port: number, host: string | undefined): Promise<string | undefined> {
  if (port === 0) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', (err) => resolve(listenFailure(err, port, host)));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
}
