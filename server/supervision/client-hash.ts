// Who a bidder's client is, for live supervision (issue 20, item 2), without keeping it: the client's
// network address and its browser's device cookie are reduced at once to keyed hashes, and only the
// hashes are ever stored. Never a clear address, never a user agent.
//
// - The address is the one the rate limits use (server/identity/rate-limit.ts): the peer's, or with
//   TRUST_PROXY the last X-Forwarded-For entry, for HTTP requests and socket handshakes alike.
// - The device is the first-party cookie `auction_device` (DEVICE_COOKIE), a random id the pages set
//   on every browser (web/hooks.server.ts). The user agent is deliberately not used: thousands of
//   bidders share one browser version, so it would join strangers. A client without the cookie (an API
//   client) is compared by its address only.
// - The hash is HMAC-SHA256 under a key derived from the person-hash key (server/audit/person-hash.ts)
//   with its own domain-separation label, over the kind, the lot and the value: a hash means something
//   only within its lot (two lots' hashes of one address differ), and only a holder of the key could
//   test a guessed address against it.
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { parse as parseCookies } from 'hono/utils/cookie';
import type { ClientKind } from '../../db/schema.ts';
import { personHash, personHashKeyId } from '../audit/person-hash.ts';
import { clientIp } from '../identity/rate-limit.ts';

/** The first-party cookie naming a browser (random, httpOnly), set by the pages. */
export const DEVICE_COOKIE = 'auction_device';
/** A device id as the pages make it: 16 to 64 characters of base64url. */
const DEVICE_ID = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * The derivation label. personHash(x) is HMAC(person key, "auction-platform person v1\n" + x); a label
 * that is not 12 digits is never a personal id, so the derived key equals no person's hash.
 */
const KEY_LABEL = 'supervision client key v1';

/** A client as seen by a request or a socket, before hashing (never stored). */
export interface ClientSeen {
  address: string;
  /** The device cookie's value, when the client sent a well-formed one. */
  device?: string;
}

/** The hashes of one client on one lot. */
export interface ClientHashes {
  address: string;
  device?: string;
}

/** The derived key, as a KeyObject (a raw key costs createHmac several times the hash itself). */
let derived: { keyId: string; key: KeyObject } | undefined;

function clientKey(): KeyObject {
  const keyId = personHashKeyId();
  if (!derived || derived.keyId !== keyId)
    derived = { keyId: keyId ?? '', key: createSecretKey(Buffer.from(personHash(KEY_LABEL), 'hex')) };
  return derived.key;
}

/** An IPv4 address seen through an IPv6 socket is the IPv4 address. */
const normalAddress = (address: string): string =>
  address
    .trim()
    .toLowerCase()
    .replace(/^::ffff:(?=\d+\.)/, '');

/** The keyed hash of one client value on one lot (hex). */
export function clientHash(kind: ClientKind, lotId: number, value: string): string {
  return createHmac('sha256', clientKey()).update(`${kind}\n${lotId}\n`).update(value).digest('hex');
}

/** The hashes of a client on a lot. */
export function hashClient(lotId: number, client: ClientSeen): ClientHashes {
  return {
    address: clientHash('address', lotId, normalAddress(client.address)),
    ...(client.device ? { device: clientHash('device', lotId, client.device) } : {}),
  };
}

const deviceOf = (value: string | undefined): string | undefined =>
  value !== undefined && DEVICE_ID.test(value) ? value : undefined;

/** The client of an HTTP request. */
export function clientOfRequest(c: Context, trustProxy: boolean): ClientSeen {
  return { address: clientIp(c, trustProxy), device: deviceOf(getCookie(c, DEVICE_COOKIE)) };
}

/** The client of a socket: the address its handshake was authenticated from, and its cookie header. */
export function clientOfSocket(ip: string, cookieHeader: string | string[] | undefined): ClientSeen {
  const header = Array.isArray(cookieHeader) ? cookieHeader.join('; ') : cookieHeader;
  return { address: ip, device: header ? deviceOf(parseCookies(header, DEVICE_COOKIE)[DEVICE_COOKIE]) : undefined };
}

/** A short, stable label of a hash for the regulator's screen ("which address"), naming nothing. */
export const hashLabel = (hash: string): string => hash.slice(0, 8);
