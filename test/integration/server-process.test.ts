import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { startTestIdp, type TestIdp } from '../support/eid.ts';
import { createPostgresDatabase, onPostgres } from '../support/db.ts';

let idp: TestIdp;
let server: ServerProcess;
let dropDb = async (): Promise<void> => {};

beforeAll(async () => {
  idp = await startTestIdp();
  const env: Record<string, string> = { ...idp.env() };
  if (onPostgres()) {
    const pg = await createPostgresDatabase();
    env.DATABASE_URL = pg.url;
    dropDb = pg.drop;
  }
  server = await startServerProcess(env);
}, 90_000);
afterAll(async () => {
  await server?.stop('SIGKILL');
  await dropDb();
  await idp?.close();
});

describe('the platform process', () => {
  it('answers /api/health when the database does', async () => {
    const res = await fetch(`${server.base}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('serves the catalogue page with security headers', async () => {
    const res = await fetch(`${server.base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('<html');
  });

  it('sets strict security headers on API responses', async () => {
    const res = await fetch(`${server.base}/api/health`);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-request-id')).toMatch(/[0-9a-f-]{36}/);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers unknown API paths with a NOT_FOUND error body', async () => {
    const res = await fetch(`${server.base}/api/nothing-here`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('serves the OpenAPI description and the reference page rendered from it, without script', async () => {
    const doc = await (await fetch(`${server.base}/api/openapi.json`)).json();
    expect(doc.openapi).toMatch(/^3\./);
    const docs = await fetch(`${server.base}/api/docs`);
    expect(docs.status).toBe(200);
    const html = await docs.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain(`<h1>${doc.info.title}</h1>`);
    expect(html).not.toContain('<script');
  });

  it('accepts a socket.io connection', async () => {
    const socket = io(server.base, { transports: ['websocket'], reconnection: false });
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', () => resolve());
      socket.on('connect_error', reject);
    });
    expect(socket.connected).toBe(true);
    socket.close();
  });

  it('shuts down cleanly within a few seconds of SIGTERM', async () => {
    const result = await server.stop('SIGTERM');
    expect(result.code).toBe(0);
    expect(result.ms).toBeLessThan(8_000);
    expect(server.output()).toContain('shut down cleanly');
  });
});

describe('start-up configuration errors', () => {
  it('stops with one line naming a bad variable', async () => {
    await expect(startServerProcess({ PORT: 'eighty' }, { port: 1 })).rejects.toThrow(
      /Configuration error: invalid PORT="eighty": expected a whole number/,
    );
  });
});
