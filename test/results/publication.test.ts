// Published results (issue 18, publication; DESIGN.md §8), in a running platform under a controlled
// clock: a signed result notice at the close of a sold lot, of a failed one and of a cancelled one (not
// of a cancelled draft); a change of the award supersedes it with sequence 2 naming the first's digest,
// and the next bidder's award (Art. 51) states their own price and when it was bid; duplicate jobs
// issue nothing; a notice holds no personal data and verifies with jose against the published keys;
// the JSON feed pages; the Atom feed is well-formed XML with RFC 4287's required elements, served at
// /results.atom as application/atom+xml; every registrant is told, in the app and by e-mail.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personKey } from '../../server/privacy/personal-data.ts';
import { and, asc, eq } from 'drizzle-orm';
import { createLocalJWKSet, flattenedVerify, type FlattenedJWSInput, type JSONWebKeySet } from 'jose';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Json } from '../support/json.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { auditEvents, jobs, lotDocuments, lots, notifications } from '../../db/schema.ts';
import { ResultNoticeSchema } from '../../server/records/lot-fact-format.ts';
import { RESULT_NOTICE_JOB, scheduleResultNotice } from '../../server/results/schedule.ts';
import {
  eventually,
  liveLot,
  lotBody,
  person,
  publishedLot,
  createLot,
  type Actor,
  type Registered,
} from '../auctions/factories.ts';
import { startTestSmtp, type TestSmtp } from '../notifications/smtp.ts';

const ORIGIN = 'https://auction.example.vn';
const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));
let tp: TestPlatform;
let smtp: TestSmtp;
let manager: Actor;

beforeAll(async () => {
  smtp = await startTestSmtp();
  tp = await startTestPlatform({
    clock,
    env: { PUBLIC_ORIGIN: ORIGIN, SMTP_URL: smtp.url, SMTP_FROM: 'Đấu giá <no-reply@auction.example.vn>' },
  });
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
});
afterAll(async () => {
  await tp?.stop();
  await smtp?.close();
});

const path = (url: string) => new URL(url).pathname;

/** A lot's notices as GET /api/results/:lotId lists them (latest first), once it has `count`. */
const noticesOf = (lotId: number, count = 1): Promise<Json[]> =>
  eventually(async () => {
    const res = await tp.call('GET', `/api/results/${lotId}`);
    return res.status === 200 && res.json.notices.length >= count ? (res.json.notices as Json[]) : undefined;
  }, `lot ${lotId}'s notice ${count}`);

/** Waits until no result notice job is left to run. */
const jobsDone = () =>
  eventually(async () => {
    const left = await tp.database.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(eq(jobs.kind, RESULT_NOTICE_JOB), eq(jobs.state, 'pending')));
    return left.length === 0 ? true : undefined;
  }, 'the result notice jobs to run');

async function closeAtEnd(lot: Json): Promise<Json> {
  clock.advance(Date.parse(lot.endsAt) - clock.now().getTime() + 2_000);
  return eventually(async () => {
    const r = (await tp.call('GET', `/api/lots/${lot.id}/result`)).json;
    return r.status === 'closed' || r.status === 'failed' ? r : undefined;
  }, `lot ${lot.id} to close`);
}

const bid = async (lotId: number, who: Actor, amount: number) =>
  expect((await tp.call('POST', `/api/lots/${lotId}/bids`, { token: who.token, body: { amount } })).status).toBe(201);

/** The signed notice at its stable URL, checked against the published keys with jose. */
async function verified(url: string) {
  const res = await tp.call('GET', path(url));
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toContain('immutable');
  const jwks = await tp.call('GET', '/api/.well-known/jwks.json');
  expect(jwks.status).toBe(200);
  const { payload, protectedHeader } = await flattenedVerify(
    JSON.parse(res.text) as FlattenedJWSInput,
    createLocalJWKSet(jwks.json as JSONWebKeySet),
  );
  expect(protectedHeader?.cty).toBe('result-notice+json');
  const notice = ResultNoticeSchema.parse(JSON.parse(new TextDecoder().decode(payload)));
  return { notice, text: res.text, digest: createHash('sha256').update(res.text, 'utf8').digest('base64url') };
}

const names = ['Nguyễn Văn An', 'Trần Thị Bình', 'Lê Văn Cường'];
let people: Actor[];
let sold: { lot: Json; bidders: Registered[] };
let firstDigest: string;
let failedLotId: number;
let cancelledLotId: number;

beforeAll(async () => {
  people = [];
  for (const [i, name] of names.entries()) {
    const p = await person(tp.idp, undefined, { name });
    const email = await tp.call('PUT', '/api/me/email', { token: p.token, body: { email: `bidder${i}@example.vn` } });
    expect(email.status).toBe(200);
    people.push(p);
  }
});

describe('a sold lot', () => {
  let notice: Json;

  beforeAll(async () => {
    sold = await liveLot({ call: tp.call, clock }, manager, people, { title: 'Biển số 30K-999.99' });
    const [a, b, c] = sold.bidders;
    await bid(sold.lot.id, a, 40_000_000);
    clock.advance(1_000);
    await bid(sold.lot.id, b, 45_000_000);
    clock.advance(1_000);
    await bid(sold.lot.id, c, 50_000_000);
    clock.advance(1_000);
    await bid(sold.lot.id, a, 55_000_000);
    expect(await closeAtEnd(sold.lot)).toMatchObject({ status: 'closed', winnerBidderCode: a.bidderCode });
    [notice] = await noticesOf(sold.lot.id);
    firstDigest = notice.digest;
  });

  it('publishes notice 1 at the close: the status, the award, the price and when it was bid', async () => {
    const ledger = (await tp.call('GET', `/api/lots/${sold.lot.id}/bids`)).json.items as Json[];
    const winning = ledger.find((e) => e.amount === 55_000_000)!;
    expect(notice).toMatchObject({
      lotId: sold.lot.id,
      title: 'Biển số 30K-999.99',
      sequence: 1,
      supersedes: null,
      superseded: false,
      supersededBy: null,
      status: 'closed',
      award: 'awaiting_confirmation',
      price: 55_000_000,
      biddingStartedAt: sold.lot.startsAt,
      biddingEndedAt: sold.lot.endsAt,
      priceRecordedAt: winning.placedAt,
      rerunAs: null,
      recordFinalHash: ledger.at(-1)!.hash,
      url: `${ORIGIN}/api/results/${sold.lot.id}/notices/1`,
    });
  });

  it('signs it with the record-signing key: jose verifies it against the JWKS, its digest is of its bytes', async () => {
    const { notice: signed, digest } = await verified(notice.url);
    expect(digest).toBe(notice.digest);
    expect(signed).toMatchObject({
      type: 'result-notice',
      issuer: ORIGIN,
      lot: { id: sold.lot.id, title: 'Biển số 30K-999.99' },
      sequence: 1,
      price: 55_000_000,
      award: 'awaiting_confirmation',
    });
    // The platform's verifier (the same code as the offline one) checks it as a document after the record.
    const text = (await tp.call('GET', path(notice.url))).text;
    const verdict = await tp.call('POST', '/api/records/verify', {
      raw: text,
      headers: { 'content-type': 'application/json' },
    });
    expect(verdict.status).toBe(200);
    expect(verdict.json).toMatchObject({
      valid: true,
      signed: true,
      kind: 'result-notice',
      details: { lotId: sold.lot.id, digest, sequence: 1, price: 55_000_000 },
    });
    // A notice whose price was changed after signing does not verify.
    const jws = JSON.parse(text) as { payload: string };
    const forged = Buffer.from(
      Buffer.from(jws.payload, 'base64url').toString('utf8').replace('55000000', '45000000'),
    ).toString('base64url');
    const refused = await tp.call('POST', '/api/records/verify', {
      raw: JSON.stringify({ ...jws, payload: forged }),
      headers: { 'content-type': 'application/json' },
    });
    expect(refused.json.valid).toBe(false);
    // Stored exactly as answered.
    const [row] = await tp.database.db.select().from(lotDocuments).where(eq(lotDocuments.digest, digest));
    expect(row).toMatchObject({ lotId: sold.lot.id, kind: 'result_notice' });
  });

  it('holds no personal data: no personal id, name or bidder code', async () => {
    const { text, notice: signed } = await verified(notice.url);
    const payload = JSON.stringify(signed);
    for (const [i, b] of sold.bidders.entries()) {
      for (const document of [text, payload]) {
        expect(document).not.toContain(b.pid);
        expect(document).not.toContain(names[i]);
        expect(document).not.toContain(b.bidderCode);
      }
      // A given name alone ("An") is looked for in what the notice says, not in its base64 as served,
      // where two letters turn up by chance.
      expect(payload).not.toContain(names[i].split(' ').at(-1)!);
    }
    // No value anywhere in it is a 12-digit personal id.
    const values: unknown[] = [];
    JSON.parse(payload, (_k, v: unknown) => (values.push(v), v));
    expect(values.filter((v) => typeof v === 'string' && /^\d{12}$/.test(v))).toEqual([]);
  });

  it('writes the publication to the audit chain with the notice digest', async () => {
    const entries = await tp.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'result.published'), eq(auditEvents.lotId, sold.lot.id)));
    expect(entries).toHaveLength(1);
    expect(entries[0].data).toMatchObject({ digest: notice.digest, sequence: 1, supersedes: null, status: 'closed' });
    expect(entries[0].actorPid).toBeNull();
  });

  it('tells every registrant in the app and by e-mail, with the outcome and the notice', async () => {
    for (const b of sold.bidders) {
      const [row] = await tp.database.db
        .select()
        .from(notifications)
        .where(and(eq(notifications.pid, personKey(b.pid)), eq(notifications.kind, 'result_published')));
      expect(row.data).toEqual({
        status: 'closed',
        award: 'awaiting_confirmation',
        price: 55_000_000,
        rerunAs: null,
        sequence: 1,
        noticePath: `/api/results/${sold.lot.id}/notices/1`,
      });
      const list = await tp.call('GET', '/api/me/notifications?lang=en', { token: b.token });
      const item = (list.json.items as Json[]).find((n) => n.kind === 'result_published')!;
      expect(item.subject).toBe('Auction result notice: Biển số 30K-999.99');
      expect(item.body).toContain('Result: Won by the highest bidder, awaiting the winner’s signature on the record');
      expect(item.body).toContain('Winning price: 55.000.000 đồng');
      expect(item.body).toContain(`Signed notice: /api/results/${sold.lot.id}/notices/1`);
    }
    const mails = await eventually(async () => {
      const found = smtp.messages.filter((m) => m.subject === 'Thông báo kết quả đấu giá: Biển số 30K-999.99');
      return found.length === sold.bidders.length ? found : undefined;
    }, 'the result e-mails');
    expect(mails.flatMap((m) => m.to).sort()).toEqual([
      'bidder0@example.vn',
      'bidder1@example.vn',
      'bidder2@example.vn',
    ]);
    expect(mails[0].text).toContain('Giá trúng đấu giá: 55.000.000 đồng');
    expect(mails[0].text).toContain(`Thông báo có chữ ký số: ${ORIGIN}/api/results/${sold.lot.id}/notices/1`);
    for (const [i, b] of sold.bidders.entries()) {
      expect(mails[0].text).not.toContain(b.pid);
      expect(mails[0].text).not.toContain(names[i]);
    }
  });
});

describe('the award changes', () => {
  /** Changes the award as the award routes would, asking for a notice in the same transaction. */
  async function changeAward(lotId: number, set: Partial<typeof lots.$inferInsert>, times = 1) {
    await tp.database.db.transaction(async (tx) => {
      if (Object.keys(set).length) await tx.update(lots).set(set).where(eq(lots.id, lotId));
      for (let i = 0; i < times; i++) await scheduleResultNotice(tx, lotId, clock.now());
    });
  }

  it('supersedes notice 1 with notice 2, naming its digest; the lot lists both, latest first', async () => {
    clock.advance(60_000);
    await changeAward(sold.lot.id, { awardState: 'awarded' });
    const [latest, first] = await noticesOf(sold.lot.id, 2);
    expect(latest).toMatchObject({
      sequence: 2,
      supersedes: firstDigest,
      superseded: false,
      award: 'awarded',
      price: 55_000_000,
    });
    expect(first).toMatchObject({ sequence: 1, digest: firstDigest, superseded: true, supersededBy: latest.digest });
    const { notice } = await verified(latest.url);
    expect(notice.supersedes).toBe(firstDigest);
    // The first stays where it was, unchanged.
    expect((await verified(first.url)).digest).toBe(firstDigest);
  });

  it('issues nothing for duplicate jobs: nothing a notice states has changed', async () => {
    const before = await counts(sold.lot.id);
    await changeAward(sold.lot.id, {}, 3);
    await jobsDone();
    expect(await counts(sold.lot.id)).toEqual(before);
    expect(before.documents).toBe(2);
  });

  it("states the next bidder's own price and when it was bid once the lot is offered to them (Art. 51)", async () => {
    const [, , c] = sold.bidders;
    const ledger = (await tp.call('GET', `/api/lots/${sold.lot.id}/bids`)).json.items as Json[];
    const theirs = ledger.find((e) => e.bidderCode === c.bidderCode)!;
    clock.advance(60_000);
    await changeAward(sold.lot.id, {
      awardState: 'offered_to_next',
      awardRegistrationId: c.registrationId,
      awardPrice: theirs.amount,
    });
    const [latest, second] = await noticesOf(sold.lot.id, 3);
    expect(latest).toMatchObject({
      sequence: 3,
      supersedes: second.digest,
      award: 'offered_to_next',
      price: 50_000_000,
      priceRecordedAt: theirs.placedAt,
    });
    expect(latest.priceRecordedAt).not.toBe(second.priceRecordedAt);
  });
});

async function counts(lotId: number) {
  const db = tp.database.db;
  return {
    documents: (await db.select().from(lotDocuments).where(eq(lotDocuments.lotId, lotId))).length,
    audit: (await db.select().from(auditEvents).where(eq(auditEvents.action, 'result.published'))).length,
    notices: (await db.select().from(notifications).where(eq(notifications.kind, 'result_published'))).length,
  };
}

describe('a failed lot and a cancelled one', () => {
  it('publishes a failed lot with no award, price or time of a price', async () => {
    const only = await person(tp.idp, undefined);
    const failed = await liveLot({ call: tp.call, clock }, manager, [only], { title: 'Lô không thành' });
    failedLotId = failed.lot.id;
    await bid(failed.lot.id, failed.bidders[0], 40_000_000);
    expect(await closeAtEnd(failed.lot)).toMatchObject({ status: 'failed' });
    const [notice] = await noticesOf(failed.lot.id);
    expect(notice).toMatchObject({
      sequence: 1,
      status: 'failed',
      award: null,
      price: null,
      priceRecordedAt: null,
      biddingStartedAt: failed.lot.startsAt,
      biddingEndedAt: failed.lot.endsAt,
    });
    expect((await verified(notice.url)).notice.status).toBe('failed');
    const [row] = await tp.database.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.pid, personKey(only.pid)), eq(notifications.kind, 'result_published')));
    expect(row.data).toMatchObject({ status: 'failed', award: null, price: null });
  });

  it('publishes a cancelled lot, ended when it was cancelled; a cancelled draft was never public', async () => {
    const bidder = await person(tp.idp, undefined);
    const lot = await publishedLot(tp.call, manager, lotBody(clock.now(), { title: 'Lô bị hủy' }));
    cancelledLotId = lot.id;
    expect((await tp.call('POST', `/api/lots/${lot.id}/registrations`, { token: bidder.token, body: {} })).status).toBe(
      201,
    );
    clock.advance(5 * 60_000);
    const cancelledAt = clock.now().toISOString();
    const res = await tp.call('POST', `/api/lots/${lot.id}/cancel`, {
      token: manager.token,
      body: { reason: 'Tài sản bị rút' },
    });
    expect(res.status).toBe(200);
    const [notice] = await noticesOf(lot.id);
    expect(notice).toMatchObject({
      status: 'cancelled',
      award: null,
      price: null,
      biddingStartedAt: lot.startsAt,
      biddingEndedAt: cancelledAt,
    });
    // The cancellation's reason is the manager's own words: not part of the notice.
    expect((await verified(notice.url)).text).not.toContain('rút');
    const told = await tp.database.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.pid, personKey(bidder.pid)), eq(notifications.kind, 'result_published')));
    expect(told).toHaveLength(1);

    const draft = await createLot(tp.call, manager, lotBody(clock.now(), { title: 'Bản nháp' }));
    expect(
      (await tp.call('POST', `/api/lots/${draft.id}/cancel`, { token: manager.token, body: { reason: 'x' } })).status,
    ).toBe(200);
    await jobsDone();
    const res404 = await tp.call('GET', `/api/results/${draft.id}`);
    expect(res404.status).toBe(404);
    expect(res404.json.error.reason).toBe('result_not_published');
    expect(await tp.database.db.select().from(lotDocuments).where(eq(lotDocuments.lotId, draft.id))).toEqual([]);
  });
});

describe('the JSON feed', () => {
  it("lists each lot's latest notice once, the latest published first, in pages", async () => {
    const seen: Json[] = [];
    let offset: number | null = 0;
    let total = 0;
    while (offset !== null) {
      const res = await tp.call('GET', `/api/results?limit=2&offset=${offset}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=60');
      expect(res.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.json.items);
      total = res.json.total;
      offset = res.json.nextOffset;
    }
    expect(total).toBe(3);
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((n) => n.lotId)).size).toBe(3);
    // Published last: the cancelled lot, then the failed one, then the sold lot's third notice.
    expect(seen.map((n) => [n.lotId, n.sequence])).toEqual([
      [cancelledLotId, 1],
      [failedLotId, 1],
      [sold.lot.id, 3],
    ]);
    const issued = seen.map((n) => Date.parse(n.issuedAt));
    expect(issued).toEqual([...issued].sort((a, b) => b - a));
    for (const n of seen) expect((await verified(n.url)).digest).toBe(n.digest);
  });

  it('refuses bad paging and unknown notices with a clear error, never a 500', async () => {
    for (const q of ['limit=0', 'limit=101', 'offset=-1', 'limit=abc']) {
      const res = await tp.call('GET', `/api/results?${q}`);
      expect(res.status, q).toBe(422);
      expect(res.json.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await tp.call('GET', '/api/results/abc')).status).toBe(422);
    expect((await tp.call('GET', `/api/results/${sold.lot.id}/notices/0`)).status).toBe(422);
    const missing = await tp.call('GET', '/api/results/999999');
    expect(missing.status).toBe(404);
    expect(missing.json.error.reason).toBe('lot_not_found');
    const beyond = await tp.call('GET', `/api/results/${sold.lot.id}/notices/4`);
    expect(beyond.status).toBe(404);
    expect(beyond.json.error).toMatchObject({
      reason: 'result_notice_not_found',
      params: { lotId: sold.lot.id, sequence: 4, latest: 3 },
    });
    const open = await publishedLot(tp.call, manager, lotBody(clock.now()));
    const none = await tp.call('GET', `/api/results/${open.id}`);
    expect(none.status).toBe(404);
    expect(none.json.error).toMatchObject({ reason: 'result_not_published', params: { lotId: open.id } });
    expect((await tp.call('GET', `/api/results/${open.id}/notices/1`)).json.error.reason).toBe('result_not_published');
  });
});

describe('the Atom feed', () => {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    isArray: (name) => ['entry', 'link', 'li', 'div'].includes(name),
  });
  const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
  const text = (v: unknown): string => (typeof v === 'object' && v !== null ? String((v as Json)['#text']) : String(v));

  async function atom(url: string) {
    const res = await tp.call('GET', url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/atom\+xml/);
    expect(XMLValidator.validate(res.text)).toBe(true);
    return { res, feed: parser.parse(res.text).feed as Json };
  }

  it('is served at /results.atom as well-formed Atom 1.0 with every element RFC 4287 requires', async () => {
    const { res, feed } = await atom('/results.atom');
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    expect(feed['@xmlns']).toBe('http://www.w3.org/2005/Atom');
    expect(text(feed.id)).toBe(`${ORIGIN}/results.atom`);
    expect(text(feed.title)).toContain('Kết quả đấu giá');
    expect(text(feed.title)).toContain('results');
    expect(text(feed.updated)).toMatch(RFC3339);
    expect(text(feed.author.name).length).toBeGreaterThan(0);
    expect(feed.link.find((l: Json) => l['@rel'] === 'self')['@href']).toBe(`${ORIGIN}/results.atom`);
    // Every notice is an entry of its own: the sold lot's three, the failed and the cancelled lot's.
    const entries = feed.entry as Json[];
    expect(entries).toHaveLength(5);
    expect(text(feed.updated)).toBe(text(entries[0].updated));
    const ids = entries.map((e) => text(e.id));
    expect(new Set(ids).size).toBe(5);
    for (const e of entries) {
      expect(text(e.id)).toMatch(/^tag:auction\.example\.vn,\d{4}-\d{2}-\d{2}:result-notice:\d+:\d+$/);
      expect(text(e.title).length).toBeGreaterThan(0);
      expect(text(e.updated)).toMatch(RFC3339);
      const alternate = (e.link as Json[]).find((l) => l['@rel'] === 'alternate')!;
      expect(alternate['@href']).toMatch(/^https:\/\/auction\.example\.vn\/api\/results\/\d+\/notices\/\d+$/);
      expect((await verified(alternate['@href'])).notice.issuedAt).toBe(text(e.updated));
      expect(e.summary['@type']).toBe('text');
      expect(e.content['@type']).toBe('xhtml');
      const langs = (e.content.div[0].div as Json[]).map((d) => d['@xml:lang']);
      expect(langs).toEqual(['vi', 'en']);
    }
    const soldEntries = entries.filter((e) => text(e.id).includes(`:result-notice:${sold.lot.id}:`));
    expect(soldEntries.map((e) => text(e.id).split(':').at(-1))).toEqual(['3', '2', '1']);
    const [third] = soldEntries;
    expect(text(third.summary)).toContain('tài sản được đề nghị cho người trả giá liền kề');
    expect(text(third.summary)).toContain('offered to the next-highest bidder');
    expect(text(third.summary)).toContain('50.000.000 đồng');
    const [vi, en] = third.content.div[0].div as Json[];
    expect(vi.ul.li.map(text)).toContain('Giá trúng đấu giá: 50.000.000 đồng');
    expect(en.ul.li.map(text)).toContain('Winning price: 50.000.000 đồng');
    // No personal data anywhere in it.
    for (const [i, b] of sold.bidders.entries()) {
      expect(res.text).not.toContain(b.pid);
      expect(res.text).not.toContain(names[i]);
      expect(res.text).not.toContain(b.bidderCode);
    }
    // The same document at /api/results.atom, and the same ids on every read.
    const again = await atom('/api/results.atom');
    expect(again.res.text).toBe(res.text);
  });

  it('pages with RFC 5005 first and next links, and refuses bad paging as JSON errors', async () => {
    const { feed } = await atom('/results.atom?limit=2');
    expect((feed.entry as Json[]).length).toBe(2);
    const next = (feed.link as Json[]).find((l) => l['@rel'] === 'next')!['@href'];
    expect(next).toBe(`${ORIGIN}/results.atom?limit=2&offset=2`);
    const { feed: last } = await atom(`${new URL(next).pathname}?limit=2&offset=4`);
    expect((last.entry as Json[]).length).toBe(1);
    expect((last.link as Json[]).some((l) => l['@rel'] === 'next')).toBe(false);
    expect((last.link as Json[]).find((l) => l['@rel'] === 'first')!['@href']).toBe(`${ORIGIN}/results.atom?limit=2`);
    const bad = await tp.call('GET', '/results.atom?limit=0');
    expect(bad.status).toBe(422);
    expect(bad.json.error.code).toBe('VALIDATION_FAILED');
  });

  it('escapes what a lot title holds', async () => {
    const lot = await liveLot({ call: tp.call, clock }, manager, [await person(tp.idp, undefined)], {
      title: 'Lô <b>"đặc biệt"</b> & Co',
    });
    expect(await closeAtEnd(lot.lot)).toMatchObject({ status: 'failed' });
    await noticesOf(lot.lot.id);
    const { res, feed } = await atom('/results.atom?limit=3');
    const entry = (feed.entry as Json[]).find((e) => text(e.id).endsWith(`:result-notice:${lot.lot.id}:1`))!;
    // The parser decodes what the feed escaped: the title comes back as it was written.
    expect(text(entry.title)).toContain('Lô <b>"đặc biệt"</b> & Co');
    expect(res.text).toContain('Lô &lt;b&gt;"đặc biệt"&lt;/b&gt; &amp; Co');
    expect(res.text).not.toContain('<b>');
  });
});

describe('the job', () => {
  it('issues nothing for a lot that has not ended, and ignores a job naming no lot', async () => {
    const open = await publishedLot(tp.call, manager, lotBody(clock.now()));
    await tp.database.db.transaction(async (tx) => {
      await scheduleResultNotice(tx, open.id, clock.now());
      await scheduleResultNotice(tx, 2_000_000_000, clock.now());
    });
    await jobsDone();
    expect(await tp.database.db.select().from(lotDocuments).where(eq(lotDocuments.lotId, open.id))).toEqual([]);
    const failed = await tp.database.db
      .select()
      .from(jobs)
      .where(and(eq(jobs.kind, RESULT_NOTICE_JOB), eq(jobs.state, 'failed')))
      .orderBy(asc(jobs.id));
    expect(failed).toEqual([]);
  });
});
