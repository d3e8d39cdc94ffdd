// Shared helpers for records tests: the six personas of the access matrix, the platform's published
// key set, and raw HTTP calls that keep the exact response bytes.
import type { Json } from '../support/json.ts';
import type { Jwks } from '../../server/records/jws.ts';
import type { TestPlatform } from '../support/platform.ts';
import { addPerson } from './factory.ts';

export type Persona = 'anonymous' | 'level1' | 'level2' | 'manager' | 'regulator' | 'admin';
export const PERSONAS: Persona[] = ['anonymous', 'level1', 'level2', 'manager', 'regulator', 'admin'];

/** A token per persona (undefined for anonymous); roles are granted before the first request. */
export async function personaTokens(tp: TestPlatform): Promise<Record<Persona, string | undefined>> {
  const { db } = tp.database;
  const token = async (level: 1 | 2, roles: ('manager' | 'regulator' | 'admin')[] = []): Promise<string> => {
    const pid = await addPerson(db, { level, roles, name: 'Hoàng Thị Thanh Tra' });
    return tp.idp.token({ sub: pid, loa: level });
  };
  return {
    anonymous: undefined,
    level1: await token(1),
    level2: await token(2),
    manager: await token(2, ['manager']),
    regulator: await token(2, ['regulator']),
    admin: await token(2, ['admin']),
  };
}

export async function fetchJwks(tp: TestPlatform): Promise<Jwks> {
  const res = await tp.call('GET', '/api/.well-known/jwks.json');
  if (res.status !== 200) throw new Error(`jwks: ${res.status} ${res.text}`);
  return res.json as Jwks;
}

/** GET with a token, keeping the body as bytes. */
export async function getBytes(
  tp: TestPlatform,
  path: string,
  token?: string,
): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const res = await fetch(tp.base + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

/** POST raw bytes with a content type (what an outside verifier sends). */
export async function postRaw(
  tp: TestPlatform,
  path: string,
  body: string | Uint8Array,
  contentType: string | undefined,
): Promise<{ status: number; json: Json }> {
  const res = await fetch(tp.base + path, {
    method: 'POST',
    headers: contentType ? { 'content-type': contentType } : {},
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}
