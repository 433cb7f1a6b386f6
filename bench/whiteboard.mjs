// Whiteboard sync cost, measured on the SDK's own WhiteboardSync over the in-memory loopback transport
// (the bytes it hands to LiveKit are what goes on the wire, before E2EE's fixed per-packet overhead),
// against raw yjs updates for the same strokes.
import * as Y from 'yjs';
import { LoopbackHub } from '../test/elements/helpers/loopback-transport.ts';
import { WhiteboardSync } from '../src/session/whiteboard-sync.ts';
import { summarize } from './lib.mjs';

/** A plausible pen stroke: a smooth curve sampled like pointer events, coordinates in board units. */
function stroke(seed, points) {
  const out = [];
  let x = 100 + ((seed * 37) % 700);
  let y = 80 + ((seed * 53) % 500);
  for (let i = 0; i < points; i++) {
    x += Math.cos((seed + i) / 7) * 3.1;
    y += Math.sin((seed + i) / 5) * 2.7;
    out.push(Math.round(x * 10) / 10, Math.round(y * 10) / 10);
  }
  return { kind: 'pen', color: '#1d4ed8', size: 4, points: out };
}

const bytesFrom = (hub, identity, since) =>
  hub.packets
    .slice(since)
    .filter((p) => p.from === identity && p.kind !== 'lossy')
    .reduce((n, p) => n + p.size, 0);

export async function whiteboardSync({ quick }) {
  const strokes = quick ? 100 : 1000;
  const pointsPerStroke = 60;

  // Bytes per point: strokes drawn one by one by A while B watches.
  const hub = new LoopbackHub();
  const a = new WhiteboardSync(hub.join('practitioner-a', 'A'), { role: 'practitioner' });
  const b = new WhiteboardSync(hub.join('patient-b', 'B'), { role: 'patient' });
  await hub.flush();
  const perPoint = [];
  const started = performance.now();
  for (let i = 0; i < strokes; i++) {
    const since = hub.packets.length;
    a.addElement(stroke(i, pointsPerStroke));
    await hub.flush(2);
    perPoint.push(bytesFrom(hub, 'practitioner-a', since) / pointsPerStroke);
  }
  await hub.flush();
  const applySeconds = (performance.now() - started) / 1000;
  if (b.elements().length !== strokes) throw new Error(`B has ${b.elements().length} of ${strokes} strokes`);

  // Raw yjs: the same strokes as plain objects in a Y.Array, one update per stroke.
  const raw = new Y.Doc();
  const rawSizes = [];
  raw.on('update', (update) => rawSizes.push(update.byteLength / pointsPerStroke));
  const list = raw.getArray('elements');
  for (let i = 0; i < strokes; i++) list.push([stroke(i, pointsPerStroke)]);

  // Late joiner: C joins a board of `strokes` strokes and converges.
  const joins = [];
  for (let run = 0; run < (quick ? 1 : 5); run++) {
    const t0 = performance.now();
    const c = new WhiteboardSync(hub.join(`patient-c${run}`, 'C'), { role: 'patient' });
    while (c.elements().length < strokes) {
      await new Promise((r) => setTimeout(r, 0));
      if (performance.now() - t0 > 30_000) throw new Error('late joiner did not converge within 30 s');
    }
    joins.push(performance.now() - t0);
    c.destroy();
    hub.packets.length = 0;
  }
  a.destroy();
  b.destroy();

  const ours = summarize(perPoint);
  const baseline = summarize(rawSizes);
  const join = summarize(joins);
  return {
    rows: [
      {
        benchmark: 'whiteboard sync',
        metric: `bytes per pen point (${pointsPerStroke}-point strokes)`,
        unit: 'B/pt',
        value: ours,
        baseline,
        ratio: ours.median / baseline.median,
        target: '≤ 64 B per point',
        met: ours.median <= 64,
      },
      { benchmark: 'whiteboard sync', metric: 'strokes drawn and applied', unit: '/s', value: strokes / applySeconds },
      {
        benchmark: 'whiteboard sync',
        metric: `late joiner converges (${strokes} strokes)`,
        unit: 'ms',
        value: join,
        target: '≤ 100 ms',
        met: join.median <= 100,
      },
    ],
    raw: { strokes, pointsPerStroke, bytesPerPoint: perPoint, rawYjsBytesPerPoint: rawSizes, lateJoinMs: joins, applySeconds },
  };
}
