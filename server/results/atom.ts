// The published results as an Atom 1.0 feed (RFC 4287), served at /results.atom: every result notice,
// the latest first, each an entry of its own (a notice superseded stays an entry: it was published).
// Built with xmlbuilder2, which writes well-formed XML and escapes every text and attribute.
//   - feed: id (its own address), title and subtitle in Vietnamese and English, updated (the latest
//     notice), the platform as author, links to itself, to the JSON feed and, when paged (RFC 5005),
//     to the first and next pages;
//   - entry: a tag: URI id made only of what the signed notice states (the issuer's host, the day it
//     was issued, the lot and the sequence), so it never changes; title; published and updated (when
//     it was issued); the signed notice's stable URL as its alternate link, the lot's page as related;
//     a summary and an XHTML content in Vietnamese then English. No personal data: a notice has none.
import { create } from 'xmlbuilder2';
import type { ResultNotice } from '../records/lot-fact-format.ts';
import { formatVnd } from '../records/vietnamese.ts';
import { noticePath } from './notice.ts';
import { noticeLines, outcomeWords, RESULT_LOCALES, RESULT_WORDS } from './words.ts';

/** An element being built (xmlbuilder2's builder). */
type XMLBuilder = ReturnType<typeof create>;

export const ATOM_NS = 'http://www.w3.org/2005/Atom';
const XHTML_NS = 'http://www.w3.org/1999/xhtml';
export const ATOM_CONTENT_TYPE = 'application/atom+xml; charset=utf-8';
/** Where the feed is served, outside /api (server/platform.ts routes it to the API's route). */
export const ATOM_PATH = '/results.atom';

export interface AtomPage {
  /** The notices of this page, the latest first, with the digest of each. */
  notices: { notice: ResultNotice; digest: string }[];
  /** The feed's origin (PUBLIC_ORIGIN, else the request's): the base of every link. */
  origin: string;
  limit: number;
  offset: number;
  /** Notices in all: whether a next page exists. */
  total: number;
  /** When the feed is read: its `updated` when the page shows no notice. */
  now: Date;
}

/** The feed's address for a page (the first page's is plain /results.atom). */
function pageUrl(origin: string, limit: number, offset: number): string {
  const query = new URLSearchParams();
  if (limit !== 50) query.set('limit', String(limit));
  if (offset > 0) query.set('offset', String(offset));
  const q = query.toString();
  return `${origin}${ATOM_PATH}${q ? `?${q}` : ''}`;
}

/** An entry's id (RFC 4151 tag URI), from the signed notice alone: the same every time it is read. */
export function entryId(notice: ResultNotice, fallbackOrigin: string): string {
  const host = new URL(notice.issuer ?? fallbackOrigin).hostname;
  return `tag:${host},${notice.issuedAt.slice(0, 10)}:result-notice:${notice.lot.id}:${notice.sequence}`;
}

function entry(feed: XMLBuilder, notice: ResultNotice, digest: string, origin: string): void {
  const url = `${origin}${noticePath(notice.lot.id, notice.sequence)}`;
  const e = feed.ele('entry');
  e.ele('id').txt(entryId(notice, origin));
  const titles = RESULT_LOCALES.map((l) => RESULT_WORDS[l].entryTitle.replace('{{sequence}}', String(notice.sequence)));
  e.ele('title', { type: 'text' }).txt(`${notice.lot.title} — ${titles.join(' / ')}`);
  e.ele('published').txt(notice.issuedAt);
  e.ele('updated').txt(notice.issuedAt);
  e.ele('link', { rel: 'alternate', type: 'application/json', href: url });
  e.ele('link', { rel: 'related', type: 'text/html', href: `${origin}/lots/${notice.lot.id}` });
  const price = notice.price === null ? '' : ` — ${formatVnd(notice.price)}`;
  const summary = RESULT_LOCALES.map(
    (l) => `${outcomeWords(notice.status, notice.award, notice.rerunAs, l)}${price}.`,
  ).join(' / ');
  e.ele('summary', { type: 'text' }).txt(summary);
  const div = e.ele('content', { type: 'xhtml' }).ele(XHTML_NS, 'div');
  for (const locale of RESULT_LOCALES) {
    const part = div.ele('div', { lang: locale, 'xml:lang': locale });
    const list = part.ele('ul');
    for (const line of noticeLines(notice, locale, url)) list.ele('li').txt(line);
  }
  div.ele('p').txt(`SHA-256 (base64url): ${digest}`);
}

/** The Atom document of one page of notices. */
export function atomFeed(page: AtomPage): string {
  const { origin, limit, offset } = page;
  const doc = create({ version: '1.0', encoding: 'UTF-8', invalidCharReplacement: '\uFFFD' });
  const feed = doc.ele(ATOM_NS, 'feed', { 'xml:lang': 'vi' });
  feed.ele('id').txt(`${origin}${ATOM_PATH}`);
  feed.ele('title', { type: 'text' }).txt(`${RESULT_WORDS.vi.feedTitle} — ${RESULT_WORDS.en.feedTitle}`);
  feed.ele('subtitle', { type: 'text' }).txt(`${RESULT_WORDS.vi.feedSubtitle} / ${RESULT_WORDS.en.feedSubtitle}`);
  // As new as the newest notice it shows (the first: they come the latest first).
  feed.ele('updated').txt(page.notices[0]?.notice.issuedAt ?? page.now.toISOString());
  feed.ele('author').ele('name').txt(`${RESULT_WORDS.vi.author} / ${RESULT_WORDS.en.author}`);
  feed.ele('link', { rel: 'self', type: 'application/atom+xml', href: pageUrl(origin, limit, offset) });
  feed.ele('link', { rel: 'alternate', type: 'application/json', href: `${origin}/api/results` });
  if (offset > 0 || offset + page.notices.length < page.total) {
    feed.ele('link', { rel: 'first', type: 'application/atom+xml', href: pageUrl(origin, limit, 0) });
    if (offset + page.notices.length < page.total && page.notices.length > 0)
      feed.ele('link', {
        rel: 'next',
        type: 'application/atom+xml',
        href: pageUrl(origin, limit, offset + page.notices.length),
      });
  }
  for (const { notice, digest } of page.notices) entry(feed, notice, digest, origin);
  return doc.end({ prettyPrint: true });
}
