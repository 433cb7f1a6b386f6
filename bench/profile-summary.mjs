// A text summary of a V8 CPU profile written by `BENCH_PROFILE=dir npm run bench -- --only=lobby-join`:
//   node bench/profile-summary.mjs <file.cpuprofile> [--marker=lobby.routes.ts] [--top=25]
// The server process also issues the codes before the join phase; only the samples of the join phase (the
// densest stretch of samples whose stack passes through `--marker`, a script path fragment) are counted.
// Prints self time and total time per function, and self time per package/area.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
const marker = args.find((a) => a.startsWith('--marker='))?.slice(9) ?? 'lobby.routes.ts';
const top = Number(args.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
if (!file) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [--marker=lobby.routes.ts] [--top=25]');
  process.exit(2);
}

const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const short = (url) => url.replace(/^file:\/\/.*?\/(node_modules|server|bench)\//, '$1/');
const label = (n) => {
  const f = n.callFrame;
  return `${f.functionName || '(anonymous)'} ${f.url ? `${short(f.url)}:${f.lineNumber + 1}` : ''}`.trim();
};
const area = (n) => {
  const url = n.callFrame.url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (/\/server\//.test(url)) return `server/${/\/server\/(.*)$/.exec(url)[1]}`;
  if (url.startsWith('node:')) return 'node internals';
  return n.callFrame.functionName || '(native)';
};

// Stack of node ids (leaf first) per node, memoised.
const stacks = new Map();
const stackOf = (id) => {
  let s = stacks.get(id);
  if (!s) {
    s = [];
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) s.push(cur);
    stacks.set(id, s);
  }
  return s;
};

// Sample times.
const times = [];
let t = profile.startTime;
for (const d of profile.timeDeltas) times.push((t += d));
const marked = (id) => stackOf(id).some((s) => nodes.get(s).callFrame.url.includes(marker));
// The marker also shows up at start-up (route registration): take the largest cluster of marked samples,
// a new cluster starting after a gap of more than a second.
let best = { first: -1, last: -1, n: 0 };
let run = { first: -1, last: -1, n: 0 };
profile.samples.forEach((id, i) => {
  if (!marked(id)) return;
  if (run.n && times[i] - times[run.last] > 1_000_000) run = { first: -1, last: -1, n: 0 };
  if (!run.n) run.first = i;
  run.last = i;
  run.n += 1;
  if (run.n > best.n) best = { ...run };
});
const { first, last } = best;
if (first < 0) {
  console.error(`no sample passes through ${marker}`);
  process.exit(1);
}

const self = new Map();
const total = new Map();
const areas = new Map();
let count = 0;
let busy = 0;
for (let i = first; i <= last; i++) {
  const id = profile.samples[i];
  const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000; // ms until the next sample
  const leaf = nodes.get(id);
  count += 1;
  if (leaf.callFrame.functionName !== '(idle)') busy += dt;
  self.set(label(leaf), (self.get(label(leaf)) ?? 0) + dt);
  areas.set(area(leaf), (areas.get(area(leaf)) ?? 0) + dt);
  const seen = new Set();
  for (const s of stackOf(id)) {
    const l = label(nodes.get(s));
    if (seen.has(l)) continue;
    seen.add(l);
    total.set(l, (total.get(l) ?? 0) + dt);
  }
}
const windowMs = (times[last] - times[first]) / 1000;
const pct = (ms) => `${((100 * ms) / windowMs).toFixed(1).padStart(5)}%`;
const table = (title, map, n) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${v.toFixed(0).padStart(7)} ms ${pct(v)}  ${k}`);
};
console.log(`${file}\njoin phase: ${(windowMs / 1000).toFixed(2)} s, ${count} samples, busy (not idle) ${pct(busy)}`);
table('self time by area', areas, 20);
table('self time by function', self, top);
table(
  'total time by function (inclusive)',
  new Map([...total].filter(([k]) => !/^\((root|program|idle|garbage collector)\)/.test(k))),
  top,
);
