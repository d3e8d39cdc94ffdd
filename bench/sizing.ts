// `npm run bench -- --scenario sizing`: the sizing model (issue 21, part 4), from the latest results
// in bench/results: the day scenario on two processes behind HAProxy (the per-unit costs, the Redis
// hop included) and on one, and the latest hot-lot storm with pgbench and the capacity search. It
// prints the model and rewrites the README's sizing section between its markers (--no-readme: print
// only). It measures nothing itself: run the day scenario and the storm first.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './lib/platform.ts';
import { latestDayRun } from './lib/day-report.ts';
import type { BenchReport } from './lib/report.ts';
import { costsOf, workloadOf } from './lib/sizing.ts';
import { renderSizing, SIZING_END, SIZING_START } from './lib/sizing-report.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    results: { type: 'string', default: path.join(ROOT, 'bench', 'results') },
    readme: { type: 'string', default: path.join(ROOT, 'README.md') },
    'no-readme': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(`npm run bench -- --scenario sizing [--results bench/results] [--no-readme]
  derives the sizing model from the latest day runs (1 and 2 processes) and hot-lot storm with pgbench,
  prints it, and rewrites the README's sizing section`);
  process.exit(0);
}

const dir = values.results!;
const two = latestDayRun(dir, 2);
const one = latestDayRun(dir, 1);
if (!two) {
  console.error(`no day run on 2 processes in ${dir}: run npm run bench -- --scenario day --processes 2 first`);
  process.exit(2);
}
const storms = fs
  .readdirSync(dir)
  .filter((n) => n.startsWith('storm-') && n.endsWith('.json'))
  .sort()
  .reverse()
  .map((n) => ({
    file: path.join(dir, n),
    report: JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8')) as BenchReport,
  }))
  .filter((s) => s.report.pgbench && s.report.capacity && !s.report.smoke && !s.report.short);
const storm = storms[0];
if (!storm)
  console.warn(`no hot-lot storm with pgbench and the capacity search in ${dir}: the database limits are left out`);

const rel = (file: string): string => path.relative(path.dirname(values.readme!), file);
const markdown = renderSizing({
  costs: costsOf(two.report, storm?.report),
  workload: workloadOf(two.report),
  sources: {
    day: rel(two.file).replace(/\.json$/, '.md'),
    dayOne: one ? rel(one.file).replace(/\.json$/, '.md') : null,
    storm: storm ? rel(storm.file).replace(/\.json$/, '.md') : null,
  },
  oneProcess: one ? costsOf(one.report, storm?.report) : null,
});
console.log(markdown);
if (!values['no-readme']) {
  const text = fs.readFileSync(values.readme!, 'utf8');
  const i = text.indexOf(SIZING_START);
  const j = text.indexOf(SIZING_END);
  if (i < 0 || j < i) throw new Error(`${values.readme} has no ${SIZING_START} … ${SIZING_END} markers`);
  fs.writeFileSync(
    values.readme!,
    text.slice(0, i) + `${SIZING_START}\n\n${markdown}\n${SIZING_END}` + text.slice(j + SIZING_END.length),
  );
  console.log(`${values.readme} sizing section updated`);
}
