// The opening rush (a child process of bench/day.ts): every registered person arrives at their
// planned moment, open loop, whatever the platform's answers meanwhile, and does what a browser does:
//   GET /auth/signin?returnTo=/lots/:id        → 302 to the e-ID provider's authorization endpoint
//   GET <authorization URL>&login_hint=<pid>   → 302 back to /auth/callback?code&state
//   GET /auth/callback?code&state (sign-in cookie) → 303 to /lots/:id, with the session cookie
//   GET /lots/:id (session cookie)              → 200, the server-rendered lot page
// and then the pages of their other lots, if asked. A spectator (`anonymous`) loads the pages alone,
// without signing in, as the public watching a lot does. Each person connects from an address of their
// own (127.16.0.1…, see lib/day-plan.ts): the platform's per-address sign-in limit counts them apart,
// behind the balancer too (it appends the connecting address to X-Forwarded-For, TRUST_PROXY reads
// it). A sign-in is timed from the person's planned arrival to the session cookie; a page from its
// request to its last byte. Only static assets (scripts, styles: cacheable, a CDN's job) are not
// fetched.
import http from 'node:http';
import os from 'node:os';
import { serveIpc } from './ipc.ts';
import { encodeHistogram, newHistogram, recordMs, wallNow } from './hist.ts';
import type { RushInit, RushReport } from './day-protocol.ts';

let init: RushInit;
// Below the platform in priority, like the watcher pools: the browsers stand in for people's own devices.
os.setPriority(10);

interface Answer {
  status: number;
  location?: string;
  setCookies: string[];
  body: string;
}

class RushError extends Error {
  readonly kind: string;
  constructor(kind: string, message: string) {
    super(message);
    this.kind = kind;
  }
}

/** A minimal browser for one person: their address, their cookies, one keep-alive agent. */
class Browser {
  private readonly cookies = new Map<string, string>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  private readonly address: string;
  constructor(address: string) {
    this.address = address;
  }

  get(url: string, wantBody = false): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { accept: 'text/html', 'accept-language': 'vi' };
      if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const req = http.request(url, { agent: this.agent, localAddress: this.address, headers }, (res) => {
        const setCookies = res.headers['set-cookie'] ?? [];
        for (const line of setCookies) {
          const pair = line.split(';')[0];
          const eq = pair.indexOf('=');
          const value = pair.slice(eq + 1).trim();
          if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(pair.slice(0, eq).trim());
          else this.cookies.set(pair.slice(0, eq).trim(), value);
        }
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          if (wantBody || (res.statusCode ?? 0) >= 400) body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, setCookies, body }));
        res.on('error', reject);
      });
      req.setTimeout(init.timeoutMs, () =>
        req.destroy(new RushError('timeout', `no answer within ${init.timeoutMs} ms`)),
      );
      req.on('error', (err) => reject(err instanceof RushError ? err : new RushError('connection', err.message)));
      req.end();
    });
  }

  has(cookie: string): boolean {
    return this.cookies.has(cookie);
  }

  close(): void {
    this.agent.destroy();
  }
}

const expect = (a: Answer, status: number, step: string): void => {
  if (a.status === status) return;
  // A page's body is HTML: its text (the degraded page says why) is what a sample should show.
  const text = a.body
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  throw new RushError(`${step} ${a.status}`, `${step} answered ${a.status}: ${text.slice(0, 200)}`);
};

async function run(startAt: number): Promise<RushReport> {
  const cpu0 = process.cpuUsage();
  const signInHist = newHistogram();
  const pageHist = newHistogram();
  const report: RushReport = {
    people: init.arrivals.length,
    signIns: { ok: 0, failed: 0, hist: '', failures: {}, samples: [] },
    pages: { ok: 0, failed: 0, hist: '', failures: {}, samples: [], showedBidder: 0, bytes: 0 },
    startAt,
    lastSignInAt: 0,
    lastPageAt: 0,
    cpuSeconds: 0,
  };
  const fail = (part: RushReport['signIns'] | RushReport['pages'], err: unknown): void => {
    part.failed++;
    const kind = err instanceof RushError ? err.kind : 'error';
    part.failures[kind] = (part.failures[kind] ?? 0) + 1;
    if (part.samples.length < 5) part.samples.push((err as Error).message);
  };
  /** The OpenID Connect sign-in, timed from the planned arrival; whether it ended with a session. */
  const signIn = async (a: RushInit['arrivals'][number], browser: Browser, planned: number): Promise<boolean> => {
    try {
      const first = a.lots[0];
      const start = await browser.get(
        `${init.base}/auth/signin?returnTo=${encodeURIComponent(`/lots/${first.lotId}`)}`,
      );
      expect(start, 302, 'signin');
      const authorize = new URL(start.location!);
      authorize.searchParams.set('login_hint', a.pid);
      const provider = await browser.get(authorize.href);
      expect(provider, 302, 'authorize');
      const callback = await browser.get(new URL(provider.location!, init.base).href);
      expect(callback, 303, 'callback');
      if (!callback.setCookies.some((c) => /^(__Host-)?auction_session=[^;]+/.test(c)))
        throw new RushError('no session', 'the callback set no session cookie');
      if (callback.location !== `/lots/${first.lotId}`)
        throw new RushError('callback target', `the callback sent the browser to ${callback.location}`);
      const at = wallNow();
      recordMs(signInHist, at - planned);
      report.signIns.ok++;
      report.lastSignInAt = Math.max(report.lastSignInAt, at);
      return true;
    } catch (err) {
      fail(report.signIns, err);
      return false;
    }
  };
  const person = async (a: RushInit['arrivals'][number]): Promise<void> => {
    const browser = new Browser(a.address);
    try {
      if (!a.anonymous && !(await signIn(a, browser, startAt + a.atMs))) return;
      for (const lot of a.lots) {
        const t0 = wallNow();
        try {
          const page = await browser.get(`${init.base}/lots/${lot.lotId}`, true);
          expect(page, 200, 'page');
          const at = wallNow();
          recordMs(pageHist, at - t0);
          report.pages.ok++;
          report.pages.bytes += Buffer.byteLength(page.body);
          report.lastPageAt = Math.max(report.lastPageAt, at);
          if (lot.bidderCode && page.body.includes(lot.bidderCode)) report.pages.showedBidder++;
        } catch (err) {
          fail(report.pages, err);
        }
      }
    } finally {
      browser.close();
    }
  };
  await Promise.all(
    init.arrivals.map(
      (a) =>
        new Promise<void>((resolve) => {
          setTimeout(() => void person(a).finally(resolve), Math.max(0, startAt + a.atMs - wallNow()));
        }),
    ),
  );
  report.signIns.hist = encodeHistogram(signInHist);
  report.pages.hist = encodeHistogram(pageHist);
  const cpu = process.cpuUsage(cpu0);
  report.cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return report;
}

serveIpc({
  init: (payload: RushInit) => {
    init = payload;
    return { pid: process.pid };
  },
  run: (payload: { startAt: number }) => run(payload.startAt),
});
