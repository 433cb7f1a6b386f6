// `npm run bench [-- --quick] [-- --only name,name]`: loopback only, bounded in time, one table,
// and bench/results/<timestamp>.json with machine facts, versions and every raw sample.
import { bundleSize } from './bundle-size.mjs';
import { firstLoad } from './first-load.mjs';
import { lobbyJoin, waitingRoomCapacity } from './lobby.mjs';
import { whiteboardSync } from './whiteboard.mjs';
import { joinSpeed, recovery } from './join-speed.mjs';
import { crossInstanceAdmit } from './cross-instance.mjs';
import { effectsCpu } from './effects-cpu.mjs';
import { machineFacts, printTable, writeResults } from './lib.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only='))?.slice(7);
const outDir = args.find((a) => a.startsWith('--out='))?.slice(6) ?? 'bench/results';
const only = onlyArg ? new Set(onlyArg.split(',')) : undefined;

const benchmarks = {
  'bundle-size': () => bundleSize({ quick }),
  'first-load': () => firstLoad({ quick }),
  'lobby-join': () => lobbyJoin({ quick }),
  'waiting-room': () => waitingRoomCapacity({ quick }),
  whiteboard: () => whiteboardSync({ quick }),
  'join-speed': () => joinSpeed({ quick }),
  recovery: () => recovery({ quick }),
  'cross-instance': () => crossInstanceAdmit({ quick }),
  'effects-cpu': () => effectsCpu({ quick }),
};

const started = Date.now();
const rows = [];
const raw = {};
let failures = 0;
for (const [name, run] of Object.entries(benchmarks)) {
  if (only && !only.has(name)) continue;
  process.stderr.write(`▶ ${name}…\n`);
  const t0 = Date.now();
  try {
    const result = await run();
    rows.push(...result.rows);
    raw[name] = { ...result.raw, seconds: (Date.now() - t0) / 1000 };
  } catch (err) {
    failures += 1;
    raw[name] = { error: String(err?.stack ?? err) };
    rows.push({ benchmark: name, metric: `FAILED: ${String(err?.message ?? err).slice(0, 80)}` });
    console.error(err);
  }
}
printTable(rows);
const file = writeResults(outDir, { startedAt: new Date(started).toISOString(), quick, machine: machineFacts(), rows, raw });
console.log(`\n${rows.length} figures in ${((Date.now() - started) / 1000).toFixed(0)} s → ${file}`);
// The plain summary line scripts/test.mjs reads when it runs `--quick` as a check that every benchmark
// still works (their figures are not judged there).
console.log(`benchmarks: ${Object.keys(raw).length - failures} ran, ${failures} failed`);
process.exitCode = failures ? 1 : 0;
