// Calling the platform's HTTP API as an outside client would, from any test: JSON in, and the status,
// parsed JSON (or the raw text when the body is not JSON) and headers out.

import type { Json } from './json.ts';
export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** A raw body sent as is (malformed JSON, other content types). */
  raw?: string | Uint8Array;
}

export interface Answer {
  status: number;
  json: Json;
  text: string;
  headers: Headers;
}

export type Call = (method: string, path: string, options?: CallOptions) => Promise<Answer>;

/** The body parsed as JSON, or undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A `call` bound to a server's base URL. */
export function caller(base: string): Call {
  return async (method, path, { token, body, headers = {}, raw } = {}) => {
    const h: Record<string, string> = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    if (body !== undefined || raw !== undefined) h['content-type'] ??= 'application/json';
    const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
    const res = await fetch(base + path, {
      method,
      headers: h,
      body: typeof payload === 'string' || payload === undefined ? payload : new Uint8Array(payload),
    });
    const text = await res.text();
    return { status: res.status, json: parseJson(text), text, headers: res.headers };
  };
}
