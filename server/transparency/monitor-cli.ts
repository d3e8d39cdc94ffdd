// `npm run monitor -- --url <platform origin> --state <file> [--jwks <file-or-url>] [--full]`: checks
// the platform's transparency log as an outsider (monitor.ts) and keeps what it saw in the state file.
// Exit 0: consistent (the state file moves on), 1: inconsistent (the log was rewritten, shrank, or
// serves leaves that do not give its signed root; the state file is left as it was, as evidence),
// 2: could not check (unreachable, bad arguments, unreadable state).
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { Jwks } from '../records/jws.ts';
import { monitorOnce, parseMonitorState, type MonitorState } from './monitor.ts';

const USAGE =
  'usage: npm run monitor -- --url https://auctions.example.vn --state monitor-state.json [--jwks jwks.json | URL] [--full | --sample N] [--json]\n' +
  '(--jwks pins the keys the tree heads must be signed with; without it they are fetched from the platform. --full fetches every leaf again; otherwise --sample N earlier leaves (default 32) are checked again by their inclusion proofs.)';

class CliError extends Error {}

async function readJwks(source: string): Promise<Jwks> {
  try {
    const text = /^https?:\/\//.test(source)
      ? await (await fetch(source, { signal: AbortSignal.timeout(15_000) })).text()
      : fs.readFileSync(source, 'utf8');
    const value = JSON.parse(text) as Jwks;
    if (!Array.isArray(value?.keys)) throw new Error('no "keys"');
    return value;
  } catch (err) {
    throw new CliError(`cannot read the keys from ${source}: ${(err as Error).message}`);
  }
}

function readState(file: string, url: string): MonitorState | undefined {
  if (!fs.existsSync(file)) return undefined;
  let state: MonitorState;
  try {
    state = parseMonitorState(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`${file} is not a monitor state file: ${(err as Error).message}`);
  }
  if (state.url.replace(/\/+$/, '') !== url.replace(/\/+$/, ''))
    throw new CliError(`${file} holds the state of ${state.url}, not ${url}: use another state file`);
  return state;
}

async function main(argv: string[]): Promise<number> {
  const { values } = (() => {
    try {
      return parseArgs({
        args: argv,
        options: {
          url: { type: 'string' },
          state: { type: 'string' },
          jwks: { type: 'string' },
          full: { type: 'boolean' },
          sample: { type: 'string' },
          json: { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        },
      });
    } catch (err) {
      throw new CliError(`${(err as Error).message}\n${USAGE}`);
    }
  })();
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.url || !values.state) throw new CliError(USAGE);
  if (!/^https?:\/\/[^/]+/.test(values.url)) throw new CliError(`--url must be an http(s) origin, not ${values.url}`);
  const state = readState(values.state, values.url);
  const jwks = values.jwks ? await readJwks(values.jwks) : undefined;
  const sample = values.sample === undefined ? undefined : Number(values.sample);
  if (sample !== undefined && (!Number.isSafeInteger(sample) || sample < 0))
    throw new CliError(`--sample must be a whole number ≥ 0, not ${values.sample}`);
  const outcome = await monitorOnce({ url: values.url, state, jwks, full: values.full, sample });
  if (values.json) console.log(JSON.stringify(outcome.ok ? { ...outcome, state: undefined } : outcome, null, 2));
  if (!outcome.ok) {
    if (!values.json)
      console.error(`${outcome.problem === 'inconsistent' ? 'INCONSISTENT' : 'COULD NOT CHECK'}: ${outcome.reason}`);
    return outcome.problem === 'inconsistent' ? 1 : 2;
  }
  fs.writeFileSync(values.state, `${JSON.stringify(outcome.state, null, 2)}\n`);
  if (!values.json) {
    const h = outcome.treeHead;
    const since =
      outcome.previous === null
        ? 'first run'
        : outcome.previous === h.treeSize
          ? 'unchanged since the last run'
          : `consistent with the ${outcome.previous} leaves seen before`;
    console.log(
      `CONSISTENT: ${h.treeSize} leaves, root ${h.rootHash}, signed ${h.timestamp}; ${since}; ${outcome.leavesChecked} leaves checked${values.full ? ' (full)' : `, ${outcome.earlierChecked} earlier leaves checked again`}`,
    );
  }
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof CliError)) throw err;
  console.error(`monitor: ${err.message}`);
  process.exitCode = 2;
}
