// The catalogue benchmark's smoke mode (`npm run bench -- --scenario catalogue --smoke`) run end to
// end, so it cannot rot: a real platform process, real PostgreSQL, 60,000 seeded lots (enough to be read
// as a national catalogue: sample, collect, walk), every query
// class over HTTP with every answer checked, and the EXPLAIN of each. Only correctness is asserted,
// never timings (the machine is shared): the full run's verdict on p99 is the benchmark's own.
import { describe, expect, it } from 'vitest';
import type { CatalogueReport } from '../../bench/lib/catalogue-report.ts';
import { benchAdminUrl, postgresProblem, requireOrSkip, runBenchSmoke } from '../support/bench-smoke.ts';

describe('the catalogue benchmark smoke run', () => {
  it('seeds, searches every class over HTTP with every answer right, and explains each', async (t) => {
    const url = benchAdminUrl();
    requireOrSkip(t, await postgresProblem(url), `PostgreSQL at ${url}`, 'the catalogue benchmark');
    const run = await runBenchSmoke<CatalogueReport>(['--scenario', 'catalogue', '--smoke']);
    const { code, output } = run;
    expect(code, output).toBe(0);
    expect(run.report, output).toBeDefined();
    const report = run.report!;
    expect(report.correctness).toEqual({ ok: true, problems: [] });
    expect(report.smoke).toBe(true);

    // Seeded as asked, every kind of lot, with the search columns the platform writes.
    expect(report.sizes.rows).toBeGreaterThanOrEqual(60_000);
    expect(report.seeding!.categories).toMatchObject({
      'licence-plate': expect.any(Number),
      'land-use': expect.any(Number),
      vehicle: expect.any(Number),
      equipment: expect.any(Number),
      'state-property': expect.any(Number),
    });
    expect(report.sizes.averageBytes.searchVector).toBeGreaterThan(0);
    expect(report.sizes.indexes.map((i) => i.name)).toEqual(
      expect.arrayContaining(['lots_search_vector', 'lots_open_ends', 'lots_closed_ends', 'lots_ends']),
    );

    // Every class ran, answered, and was explained; smoke runs are not judged on time.
    expect(report.classes.map((c) => c.name)).toEqual([
      'plate-whole',
      'plate-start',
      'plate-ending',
      'words-frequent',
      'words-middling',
      'words-rare',
      'words-filtered',
      'filters-only',
      'browse',
      'cursor-pages',
    ]);
    for (const c of report.classes) {
      expect(c.problems, c.name).toBe(0);
      expect(c.requests, c.name).toBeGreaterThan(0);
      expect(c.latency?.count, c.name).toBe(c.requests);
      expect(c.withinTarget).toBeNull();
      expect(c.plans.length, c.name).toBeGreaterThan(0);
      for (const p of c.plans) expect(p.summary, `${c.name}: ${p.query}`).toMatch(/Scan/);
    }
    // Plates and rare words are found through the search's GIN index.
    const plans = (name: string): string =>
      report.classes
        .find((c) => c.name === name)!
        .plans.map((p) => p.summary)
        .join(' ');
    expect(plans('plate-whole')).toContain('lots_search_vector');
    expect(run.markdown).toBe(true);
  }, 300_000);
});
