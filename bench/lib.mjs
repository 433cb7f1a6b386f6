// Shared helpers for `npm run bench`: statistics, the table, the results file.
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release, platform } from 'node:os';
import { join } from 'node:path';

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Median with min/max of raw samples. */
export const summarize = (samples) => ({
  median: median(samples),
  min: Math.min(...samples),
  max: Math.max(...samples),
  n: samples.length,
});

export function machineFacts() {
  const version = (name) => {
    try {
      return JSON.parse(readFileSync(join('node_modules', name, 'package.json'), 'utf8')).version;
    } catch {
      return undefined;
    }
  };
  let chromium;
  try {
    chromium = execSync(`${process.env.CHROMIUM_BIN || '/usr/bin/chromium'} --version`, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    chromium = undefined;
  }
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryBytes: totalmem(),
    os: `${platform()} ${release()}`,
    node: process.version,
    chromium,
    versions: Object.fromEntries(
      ['lit', 'livekit-client', 'livekit-server-sdk', 'express', 'yjs'].map((n) => [n, version(n)]).filter(([, v]) => v),
    ),
  };
}

const fmt = (v, unit) => {
  if (v === undefined || v === null || Number.isNaN(v)) return '—';
  if (unit === 'B') return `${(v / 1024).toFixed(1)} KiB`;
  if (unit === 'ms') return `${v.toFixed(0)} ms`;
  if (unit === 's') return `${v.toFixed(2)} s`;
  if (unit === 'ratio') return `${v.toFixed(2)}×`;
  return `${Number.isInteger(v) ? v : v.toFixed(1)}${unit ? ` ${unit}` : ''}`;
};

/**
 * rows: { benchmark, metric, unit, value: {median,min,max,n} | number, baseline?, ratio?, target?, met? }
 */
export function printTable(rows) {
  const cells = rows.map((r) => {
    const v = typeof r.value === 'number' ? { median: r.value, n: 1 } : (r.value ?? {});
    const spread = v.n > 1 ? ` (${fmt(v.min, r.unit)}–${fmt(v.max, r.unit)}, n=${v.n})` : '';
    return [
      r.benchmark,
      r.metric,
      `${fmt(v.median, r.unit)}${spread}`,
      r.baseline === undefined ? '—' : fmt(typeof r.baseline === 'number' ? r.baseline : r.baseline.median, r.unit),
      r.ratio === undefined ? '—' : fmt(r.ratio, 'ratio'),
      r.target ?? '—',
      r.met === undefined ? '—' : r.met ? 'met' : 'NOT met',
    ];
  });
  const head = ['benchmark', 'metric', 'value (median, min–max)', 'baseline', 'ratio', 'target', 'status'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => String(c[i]).length)));
  const line = (c) => `| ${c.map((x, i) => String(x).padEnd(widths[i])).join(' | ')} |`;
  console.log([line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n'));
}

export function writeResults(dir, payload) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(payload, null, 2));
  return file;
}
