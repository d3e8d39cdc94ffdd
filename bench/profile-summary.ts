// Summarizes a V8 CPU profile (from `npm run bench -- --profile`): self time by package or project
// file, and the hottest functions, so the benchmark's figures can be traced to code.
// Usage: node bench/profile-summary.ts FILE.cpuprofile [top]
import fs from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-summary.ts FILE.cpuprofile [top]');
  process.exit(1);
}
const top = Number(topArg ?? 30);
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const msPerSample = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
const counts = new Map<number, number>();
for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);

function bucket(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  if (url.startsWith('node:')) return url;
  const project = /\/work\/main\/(.+)$/.exec(url.replace('file://', ''));
  return project ? project[1] : url;
}

const byBucket = new Map<string, number>();
const byFunction = new Map<string, number>();
let total = 0;
for (const n of profile.nodes) {
  const hits = counts.get(n.id) ?? 0;
  if (!hits) continue;
  const { url, functionName, lineNumber } = n.callFrame;
  const b = bucket(url, functionName);
  byBucket.set(b, (byBucket.get(b) ?? 0) + hits);
  const key = `${functionName || '(anonymous)'}  ${b}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
  total += hits;
}
const idle = byBucket.get('(idle)') ?? 0;
console.log(
  `${file}\n${((total * msPerSample) / 1000).toFixed(1)} s sampled, ${(((total - idle) * msPerSample) / 1000).toFixed(1)} s busy\n`,
);
const show = (title: string, m: Map<string, number>): void => {
  console.log(title);
  for (const [k, v] of [...m]
    .filter(([k]) => k !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)) {
    console.log(
      `${((v / Math.max(1, total - idle)) * 100).toFixed(1).padStart(6)}%  ${(v * msPerSample).toFixed(0).padStart(7)} ms  ${k}`,
    );
  }
  console.log('');
};
show('self time by package / file (share of busy time)', byBucket);
show('hottest functions (self time)', byFunction);
