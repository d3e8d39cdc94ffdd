// Smaller defects of the security review (issue 13 item 9), each an exploit that used to work: a NUL
// in a token's name claim answered 500, database errors logged query parameters (names included), and
// /lang?next=/%09/x answered 500 (a browser would also drop the tab and land on another site).
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/shared/log.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { newPid } from '../support/eid.ts';

describe('claims with control characters', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform();
  });
  afterAll(async () => t?.stop());

  it('drops control characters from the name claim instead of failing (a NUL cannot be stored)', async () => {
    const token = await t.idp.token({ sub: newPid(), loa: 2, name: 'Nguyễn\u0000 Văn\u0007 An\u009b' });
    const me = await t.call('GET', '/api/me', { token });
    expect(me.status, me.text).toBe(200);
    expect(me.json.name).toBe('Nguyễn Văn An');
    const blank = await t.call('GET', '/api/me', {
      token: await t.idp.token({ sub: newPid(), loa: 2, name: '\u0000\u0001' }),
    });
    expect(blank.status).toBe(200);
    expect(blank.json.name).toBeNull();
  });
});

describe('logs', () => {
  it("never write a failed query's parameters, and still say what failed", () => {
    let out = '';
    const log = createLogger({
      level: 'info',
      destination: new Writable({ write: (chunk, _e, done) => ((out += chunk), done()) }) as never,
    });
    const cause = Object.assign(new Error('duplicate key value violates unique constraint "people_pkey"'), {
      code: '23505',
    });
    const err = Object.assign(
      new Error(
        'Failed query: insert into "people" ("pid", "name") values ($1, $2)\nparams: 079123456789,Nguyễn Văn An',
      ),
      { cause },
    );
    log.error({ err }, 'unhandled error');
    expect(out).not.toContain('Nguyễn Văn An');
    expect(out).not.toContain('079123456789');
    expect(out).toContain('params: [not logged]');
    expect(out).toContain('insert into');
    expect(out, 'the driver message says why').toContain('duplicate key value');
  });
});

describe('the language switch', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({});
  }, 120_000);
  afterAll(async () => void (await server?.stop()));

  const location = async (next: string): Promise<{ status: number; location: string | null }> => {
    const res = await fetch(`${server.base}/lang?to=en&next=${next}`, { redirect: 'manual' });
    return { status: res.status, location: res.headers.get('location') };
  };

  it('goes back to a page on this site, and home for anything else, never answering 500', async () => {
    expect(await location(encodeURIComponent('/lots/1?tab=bids'))).toEqual({
      status: 303,
      location: '/lots/1?tab=bids',
    });
    for (const next of [
      '/%09/evil.example',
      '/%0d%0aSet-Cookie:%20x=1',
      '//evil.example',
      '/%5Cevil.example',
      'https://evil.example/',
      '%00',
    ]) {
      expect(await location(next), next).toEqual({ status: 303, location: '/' });
    }
  });
});
