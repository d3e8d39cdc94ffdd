// `npm run bench -- [--scenario hot-lot|day|catalogue|sizing] [flags]`: which benchmark to run. The hot-lot
// closing storm (bench/storm.ts) stays the default; `day` is a whole auction shift (bench/day.ts) and
// `catalogue` the national-size catalogue search (bench/catalogue.ts); `sizing` derives the sizing
// model from the latest results (bench/sizing.ts: it measures nothing). The remaining flags go to the
// chosen scenario; `--help` there lists them.
const SCENARIOS = {
  'hot-lot': './storm.ts',
  day: './day.ts',
  catalogue: './catalogue.ts',
  sizing: './sizing.ts',
} as const;
type Scenario = keyof typeof SCENARIOS;

const argv = process.argv.slice(2);
let scenario: string = 'hot-lot';
const rest: string[] = [];
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  if (arg === '--scenario') scenario = argv[++i] ?? '';
  else if (arg.startsWith('--scenario=')) scenario = arg.slice('--scenario='.length);
  else rest.push(arg);
}
if (!(scenario in SCENARIOS)) {
  console.error(`unknown scenario "${scenario}": one of ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}
// The scenario reads its flags from process.argv, as when it is run directly.
process.argv = [process.argv[0], process.argv[1], ...rest];
await import(SCENARIOS[scenario as Scenario]);
