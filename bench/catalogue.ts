// `npm run bench -- --scenario catalogue`: the catalogue at national size (issue 21, part 2). On the
// machine's PostgreSQL (DATABASE_URL: the admin connection; the bench creates its own database and
// drops it unless --keep-database), it starts the platform (node server/main.ts, which migrates),
// seeds --lots lots (2,200,000 by default: licence plates and other assets, bench/lib/catalogue-data.ts)
// by COPY with the secondary indexes built afterwards, ANALYZEs, restarts the platform and asks
// GET /api/lots over HTTP, as clients do, several hundred searches per class
// (bench/lib/catalogue-queries.ts), each answer checked (every lot matches the words and filters, in
// order; cursor pages never repeat a lot). It reports p50/p99/max per class, the plan of each class
// (EXPLAIN ANALYZE of the statements searchLots runs, lot-search.ts explainCatalogue), the seeding time
// and the table's and indexes' sizes, into bench/results/catalogue-<stamp>.{json,md}; it exits non-zero
// when a class's p99 is over --target-ms (100) or an answer was wrong. --smoke: 60,000 lots, a few
// queries per class, no timing verdict, results only where --out says (the test that keeps it alive).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createBenchDatabase, openBenchDatabase, prewarm } from './lib/database.ts';
import { catalogueSizes, sampleSeeded, seedCatalogue } from './lib/catalogue-seed.ts';
import { benchPid, startBenchIdp } from './lib/idp.ts';
import { machineInfo } from './lib/proc.ts';
import { api, ROOT, startServer, type ServerUnderTest } from './lib/platform.ts';
import { newHistogram, recordMs, summarize } from './lib/hist.ts';
import type { SeedAsset } from './lib/catalogue-data.ts';
import { prng } from './lib/random.ts';
import { queryClasses, type Params, type QueryClass } from './lib/catalogue-queries.ts';
import { checkAnswer, planSummary, type ListAnswer } from './lib/catalogue-checks.ts';
import { renderCatalogueMarkdown, type CatalogueReport } from './lib/catalogue-report.ts';
import { openDatabase } from '../db/client.ts';
import { ListLotsQuery } from '../server/auctions/lot-schemas.ts';
import { explainCatalogue } from '../server/auctions/lot-search.ts';
import { runContext } from './lib/run-context.ts';

const HELP = `npm run bench -- --scenario catalogue [flags]
  --lots N           lots to seed (default 2200000; --smoke 60000)
  --queries N        searches per class (default 300; --smoke 8)
  --concurrency N    clients asking at once (default 2, the machine's cores)
  --target-ms N      the p99 every class must stay within (default 100)
  --seed N           the catalogue's random seed (default 21)
  --keep-database    keep the bench database (its name is printed)
  --database NAME    search a database an earlier run kept, without seeding (implies --keep-database)
  --out DIR          where the results go (default bench/results; --smoke writes only with --out)
  --smoke            a small run in seconds: 60,000 lots, correctness only`;

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    lots: { type: 'string' },
    queries: { type: 'string' },
    concurrency: { type: 'string' },
    'target-ms': { type: 'string' },
    seed: { type: 'string' },
    'keep-database': { type: 'boolean', default: false },
    database: { type: 'string' },
    out: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log(HELP);
  process.exit(0);
}
const whole = (name: string, value: string | undefined, fallback: number, min = 1): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) {
    console.error(`--${name} must be a whole number ≥ ${min}, not ${value}\n\n${HELP}`);
    process.exit(2);
  }
  return n;
};
const smoke = flags.smoke;
const args = {
  // Smoke: enough lots that the platform reads them as a national catalogue (sample, collect, walk).
  lots: whole('lots', flags.lots, smoke ? 60_000 : 2_200_000, 100),
  queries: whole('queries', flags.queries, smoke ? 8 : 300),
  concurrency: whole('concurrency', flags.concurrency, 2),
  targetMs: whole('target-ms', flags['target-ms'], 100),
  seed: whole('seed', flags.seed, 21, 0),
  keepDatabase: flags['keep-database'] || flags.database !== undefined,
  /** A database seeded by an earlier run (kept with --keep-database): searched again, not seeded. */
  reuse: flags.database,
  out: flags.out ?? (smoke ? undefined : path.join(ROOT, 'bench', 'results')),
  adminUrl: process.env.DATABASE_URL || 'postgres://127.0.0.1:5432/postgres',
};

const run = runContext('bench_catalogue');
const { log, stamp, dbName, logDir } = run;

log(
  `catalogue at national size${smoke ? ' (smoke)' : ''}: ${args.lots.toLocaleString('en')} lots, ${args.queries} searches per class, ${args.concurrency} at once; logs in ${logDir}`,
);
const bench = args.reuse
  ? await openBenchDatabase(args.adminUrl, args.reuse)
  : await createBenchDatabase(args.adminUrl, dbName);
const idp = await startBenchIdp();
let platform: ServerUnderTest | undefined;
let exitCode = 0;
run.onInterrupt(() =>
  Promise.allSettled([platform?.stop(), idp.close(), args.keepDatabase ? undefined : bench.drop()]),
);

try {
  const adminPid = benchPid(0, 1);
  const managerPid = benchPid(0, 2);
  const admin = await idp.token(adminPid, 'Quản trị viên');
  const manager = await idp.token(managerPid, 'Đấu giá viên');
  const serverEnv = {
    ...idp.env(),
    DATABASE_URL: bench.url,
    ADMIN_PIDS: adminPid,
    DEMO_DATA: 'false',
    LOG_LEVEL: 'warn',
    // The closing scheduler at its default pace: its flip of scheduled lots reads only those whose
    // start has passed (lots_scheduled_start), and its ticks only the lots they act on (lots_open_ends
    // up to now, lots_rounds_due, lots_descending_open: test/auctions/scheduler-plans.test.ts), so it
    // costs the same on two million lots as on ten.
  };
  const health = async (base: string): Promise<boolean> => (await fetch(`${base}/api/health`)).ok;
  const startPlatform = (): Promise<ServerUnderTest> =>
    startServer(path.join(ROOT, 'server', 'main.ts'), serverEnv, path.join(logDir, 'platform.log'), health);

  let sample: SeedAsset[];
  let seeding: CatalogueReport['seeding'] | null = null;
  const now = Date.now();
  if (args.reuse) {
    log(`searching the catalogue seeded before in ${bench.name}`);
    sample = await sampleSeeded(bench.sql);
  } else {
    // 1. The platform migrates the empty database; a manager of its first organisation writes one lot
    // through the API, whose organisation and manager the seeded lots share.
    log('starting the platform (node server/main.ts): migrations');
    platform = await startPlatform();
    await api(platform.base, 'GET', '/api/me', manager);
    const [organisation] = (
      await api<{ items: { id: number }[] }>(platform.base, 'GET', '/api/organisations', undefined)
    ).items;
    await api(platform.base, 'POST', `/api/organisations/${organisation.id}/managers`, admin, { pid: managerPid });
    const template = await api<{ id: number }>(platform.base, 'POST', '/api/lots', manager, {
      title: 'Biển số 30K-000.01 (lô mẫu của phép đo)',
      description: 'Lô nháp mà phép đo danh mục lấy tổ chức và người quản lý.',
      startingPrice: 40_000_000,
      priceStep: 5_000_000,
      deposit: 8_000_000,
      registrationOpensAt: new Date(now + 86_400_000).toISOString(),
      registrationClosesAt: new Date(now + 2 * 86_400_000).toISOString(),
      startsAt: new Date(now + 3 * 86_400_000).toISOString(),
      endsAt: new Date(now + 3 * 86_400_000 + 25 * 60_000).toISOString(),
    });
    const [owner] = await bench.sql<{ organisation_id: number; manager_pid: string }[]>`
      select organisation_id, manager_pid from lots where id = ${template.id}`;
    // The platform's scheduler would read the lots table while it has no indexes: it waits.
    await platform.stop();
    platform = undefined;
    // 2. Seed.
    ({ sample, seeding } = await seedCatalogue(
      bench.sql,
      args.lots,
      args.seed,
      {
        organisationId: owner.organisation_id,
        managerPid: owner.manager_pid,
        now,
      },
      log,
    ));
  }
  const sizes = await catalogueSizes(bench.sql);

  // 3. The platform again, on the seeded catalogue; searches over HTTP.
  log('starting the platform on the seeded catalogue');
  platform = await startPlatform();
  const base = platform.base;
  const classes = queryClasses(sample, now);
  const clock = Date.now();
  // Not recorded: the table and its indexes read into PostgreSQL's buffers, and a first round of
  // searches, as a catalogue in service has them.
  const prewarmed = await prewarm(bench.sql, 'lots');
  log(`prewarmed the lots table and its indexes: ${prewarmed} (${bench.memory})`);
  log('warming up (not recorded)');
  const warm = prng(args.seed + 1);
  for (let i = 0; i < (smoke ? 2 : 30); i++)
    for (const c of classes)
      await fetch(`${base}/api/lots?${new URLSearchParams(c.make(warm))}`).then((res) => res.text());

  const loadBefore = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const results: CatalogueReport['classes'] = [];
  const problems: string[] = [];
  const db = await openDatabase({ url: bench.url, poolSize: 2 });
  try {
    for (const c of classes) {
      const q = prng(args.seed * 1000 + results.length);
      const requests = Array.from({ length: args.queries }, () => c.make(q));
      const outcome = await runClass(base, c, requests, args.concurrency, clock);
      const plans = await explainClass(db, requests.slice(0, smoke ? 2 : 6), clock);
      const s = summarize(outcome.histogram);
      const over = !smoke && s !== null && s.p99 > args.targetMs;
      if (over) exitCode = 1;
      if (outcome.problems.length) {
        exitCode = 1;
        problems.push(...outcome.problems.slice(0, 5).map((p) => `${c.name}: ${p}`));
      }
      results.push({
        name: c.name,
        what: c.what,
        requests: outcome.requests,
        latency: s,
        totals: outcome.totals,
        problems: outcome.problems.length,
        slowest: outcome.slowest,
        plans,
        withinTarget: smoke ? null : !over,
      });
      log(
        `${c.name.padEnd(16)} ${outcome.requests} requests: p50 ${s?.p50 ?? '–'} ms, p99 ${s?.p99 ?? '–'} ms, max ${s?.max ?? '–'} ms${outcome.problems.length ? `, ${outcome.problems.length} WRONG ANSWERS` : ''}; ${plans.map((p) => p.summary).join(' | ')}`,
      );
    }
  } finally {
    await db.close();
  }

  const report: CatalogueReport = {
    date: stamp,
    smoke,
    machine: { ...machineInfo(), postgres: bench.version, postgresMemory: bench.memory, prewarmed },
    load: { before: loadBefore, after: os.loadavg().map((l) => Math.round(l * 100) / 100) },
    settings: {
      lots: sizes.rows,
      queriesPerClass: args.queries,
      concurrency: args.concurrency,
      targetMs: args.targetMs,
      pageSize: 20,
      seed: args.seed,
    },
    seeding,
    sizes,
    classes: results,
    correctness: { ok: problems.length === 0, problems },
  };
  if (args.out) {
    fs.mkdirSync(args.out, { recursive: true });
    const name = `catalogue-${stamp.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}${smoke ? '-smoke' : ''}`;
    fs.writeFileSync(path.join(args.out, `${name}.json`), JSON.stringify(report, null, 2) + '\n');
    fs.writeFileSync(
      path.join(args.out, `${name}.md`),
      `# Catalogue at national size, ${stamp}\n\n${renderCatalogueMarkdown(report)}`,
    );
    log(`results: ${path.join(args.out, name)}.{json,md}`);
  }
  if (problems.length) log(`WRONG ANSWERS: ${problems.join('; ')}`);
  const slow = results.filter((c) => c.withinTarget === false).map((c) => c.name);
  if (slow.length) log(`p99 over ${args.targetMs} ms: ${slow.join(', ')}`);
} catch (err) {
  exitCode = 1;
  console.error(err);
} finally {
  await platform?.stop().catch(() => {});
  await idp.close().catch(() => {});
  if (args.keepDatabase) {
    await bench.sql.end({ timeout: 5 });
    await bench.admin.end({ timeout: 5 });
    log(`database kept: ${bench.url}`);
  } else await bench.drop().catch(() => {});
}
process.exit(exitCode);

/** The searches of one class, `concurrency` at a time, each answer timed (to its last byte) and checked. */
async function runClass(base: string, c: QueryClass, requests: Params[], concurrency: number, now: number) {
  const histogram = newHistogram();
  const problems: string[] = [];
  const totals = { exact: 0, estimated: 0, empty: 0 };
  /** The slowest answers, for the report: what the tail is made of. */
  const slowest: { ms: number; query: string }[] = [];
  const note = (params: Params, ms: number): void => {
    slowest.push({ ms: Math.round(ms * 10) / 10, query: new URLSearchParams(params).toString() });
    slowest.sort((a, b) => b.ms - a.ms).splice(5);
  };
  let next = 0;
  let count = 0;
  const ask = async (params: Params): Promise<ListAnswer> => {
    const t = performance.now();
    const res = await fetch(`${base}/api/lots?${new URLSearchParams(params)}`);
    const text = await res.text();
    const ms = performance.now() - t;
    if (res.status !== 200) throw new Error(`${res.status} for ${new URLSearchParams(params)}: ${text.slice(0, 200)}`);
    const answer = JSON.parse(text) as ListAnswer;
    return { ...answer, ms };
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) {
        const params = requests[next++];
        try {
          let answer = await ask(params);
          const seen = new Set<number>();
          const check = (a: ListAnswer, page: number): void => {
            for (const p of checkAnswer(params, a, now, page))
              problems.push(`${new URLSearchParams(params)} page ${page}: ${p}`);
            for (const lot of a.items) {
              if (seen.has(lot.id)) problems.push(`${new URLSearchParams(params)}: lot ${lot.id} on two pages`);
              seen.add(lot.id);
            }
          };
          check(answer, 1);
          if (c.cursorDepth) {
            // The first page is not what this class measures: the pages reached by cursor are.
            for (let page = 2; page <= c.cursorDepth + 1 && answer.nextCursor; page++) {
              answer = await ask({ ...params, cursor: answer.nextCursor });
              recordMs(histogram, answer.ms!);
              note({ ...params, page: String(page) }, answer.ms!);
              count++;
              check(answer, page);
            }
          } else {
            recordMs(histogram, answer.ms!);
            note(params, answer.ms!);
            count++;
          }
          if (answer.totalExact) totals.exact++;
          else totals.estimated++;
          if (answer.items.length === 0) totals.empty++;
        } catch (err) {
          problems.push((err as Error).message);
        }
      }
    }),
  );
  return { histogram, problems, totals, requests: count, slowest };
}

/** EXPLAIN ANALYZE of a few of the class's searches, as searchLots runs them: which indexes serve it. */
async function explainClass(
  db: Awaited<ReturnType<typeof openDatabase>>,
  requests: Params[],
  now: number,
): Promise<CatalogueReport['classes'][number]['plans']> {
  const out: CatalogueReport['classes'][number]['plans'] = [];
  for (const params of requests) {
    const parsed = ListLotsQuery.safeParse(params);
    if (!parsed.success) throw new Error(`the bench asked for something the API refuses: ${JSON.stringify(params)}`);
    const statements = await explainCatalogue(db.db, undefined, { ...parsed.data, mine: false }, new Date(now));
    out.push({
      query: new URLSearchParams(params).toString(),
      summary: planSummary(statements),
      statements: statements.map((s) => ({
        statement: s.statement,
        executionMs: s.executionMs,
        nodes: planSummary([s]),
      })),
    });
  }
  return out;
}
