// Body limits declared by the routes themselves (server/http/body-limits.ts): a router declares the
// limit of a path where the route is defined; the API applies it by path under its prefix, the JSON
// limit everywhere else, before the body is read.
import { OpenAPIHono } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { declareBodyLimit, routeBodyLimits } from '../../server/http/body-limits.ts';
import type { AppEnv } from '../../server/identity/person.ts';
import { AppError } from '../../server/shared/errors.ts';

function api(jsonLimit: number) {
  const media = new OpenAPIHono<AppEnv>();
  declareBodyLimit(media, {
    path: '/lots/:id{[0-9]+}/images',
    maxBytes: 1000,
    tooLarge: (maxBytes) => AppError.of('image_too_large', { maxMegabytes: maxBytes }),
  });
  const records = new OpenAPIHono<AppEnv>();
  declareBodyLimit(records, {
    path: '/verify',
    maxBytes: (json) => Math.max(500, json),
    tooLarge: (maxBytes) => AppError.of('document_too_large', { maxMegabytes: maxBytes }),
  });
  const app = new OpenAPIHono<AppEnv>();
  app.use(
    '/api/*',
    routeBodyLimits(
      '/api',
      [
        { path: '/', app: media },
        { path: '/records', app: records },
      ],
      { maxBytes: jsonLimit, tooLarge: (maxBytes) => AppError.of('body_too_large', { maxBytes }) },
    ),
  );
  app.all('/api/*', (c) => c.text('read'));
  app.onError((err, c) => c.json({ reason: err instanceof AppError ? err.reason : 'other' }, 413));
  return app;
}

const post = async (app: OpenAPIHono<AppEnv>, path: string, size: number, method = 'POST') => {
  const res = await app.request(path, { method, headers: { 'content-length': String(size) }, body: 'x'.repeat(size) });
  return res.status === 200 ? 'read' : ((await res.json()) as { reason: string }).reason;
};

describe('body limits declared by the routes', () => {
  it.each([
    ['/api/lots/7/images', 1000, 'read'],
    ['/api/lots/7/images', 1001, 'image_too_large'],
    ['/api/lots/seven/images', 101, 'body_too_large'],
    ['/api/lots/7/images/3', 101, 'body_too_large'],
    ['/api/records/verify', 500, 'read'],
    ['/api/records/verify', 501, 'document_too_large'],
    ['/api/verify', 101, 'body_too_large'],
    ['/api/lots', 100, 'read'],
    ['/api/lots', 101, 'body_too_large'],
  ])('%s with %i bytes: %s', async (path, size, outcome) => {
    expect(await post(api(100), path, size)).toBe(outcome);
  });

  it('gives a declared limit to every method of its path, and computes it from the JSON limit when asked', async () => {
    expect(await post(api(100), '/api/lots/7/images', 1001, 'PUT')).toBe('image_too_large');
    expect(await post(api(800), '/api/records/verify', 800)).toBe('read');
    expect(await post(api(800), '/api/records/verify', 801)).toBe('document_too_large');
  });
});
