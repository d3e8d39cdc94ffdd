// The demo identity provider's signing key and cookie keys, kept in DATA_DIR so that they survive
// restarts and so that `npm run demo:token` (a separate process) signs with the same key the running
// platform trusts. The file is created once (linked into place atomically), so two processes starting at the
// same time agree on one key. Demo only: a real provider's keys never live on this platform.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

export interface DemoKeys {
  /** The ES256 private key as a JWK, with kid, alg and use. */
  signing: JWK & { kid: string };
  /** Keys oidc-provider signs its cookies with. */
  cookieKeys: string[];
}

export function demoKeyFile(dataDir: string): string {
  return path.join(dataDir, 'demo-idp', 'keys.json');
}

function parse(text: string, file: string): DemoKeys {
  const keys = JSON.parse(text) as DemoKeys;
  if (keys?.signing?.kty !== 'EC' || typeof keys.signing.d !== 'string' || !Array.isArray(keys.cookieKeys))
    throw new Error(`${file} is not a demo identity provider key file`);
  return keys;
}

/** Loads the demo keys from DATA_DIR, creating them on first use. */
export async function loadOrCreateDemoKeys(dataDir: string): Promise<DemoKeys> {
  const file = demoKeyFile(dataDir);
  try {
    return parse(fs.readFileSync(file, 'utf8'), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const keys: DemoKeys = {
    signing: { ...jwk, kid: `demo-${crypto.randomBytes(6).toString('hex')}`, alg: 'ES256', use: 'sig' },
    cookieKeys: [crypto.randomBytes(32).toString('base64url')],
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Written whole to a temporary file, then linked into place: link fails if the file exists, so a
  // reader never sees a half-written file and the first writer wins.
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(tmp, JSON.stringify(keys, null, 2), { mode: 0o600 });
  try {
    fs.linkSync(tmp, file);
    return keys;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return parse(fs.readFileSync(file, 'utf8'), file);
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** The public half of the signing key, as published in the provider's JWKS. */
export function publicJwk(signing: DemoKeys['signing']): JWK & { kid: string } {
  const { d: _d, ...pub } = signing;
  return pub as JWK & { kid: string };
}
