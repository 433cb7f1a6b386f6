// Cross-instance admit delay: two token-server instances on one PostgreSQL, one Redis and one SFU. A patient waits on
// A, the practitioner admits through B; from sending the admit until A's stream delivers `admitted`. Baseline:
// the same admissions through A itself, interleaved (test/server/shared/admit-delay.ts).
import { measureAdmitDelays } from '../test/server/shared/admit-delay.ts';
import { percentile, startEngines, startInstance } from '../test/server/shared/instances.ts';
import { summarize } from './lib.mjs';

export async function crossInstanceAdmit({ quick }) {
  const admissions = quick ? 20 : 100;
  const engines = await startEngines();
  const instances = [];
  try {
    instances.push(await startInstance(engines), await startInstance(engines));
    const [a, b] = instances;
    // One untimed round first: connections, prepared statements and the SFU's first room are not the subject.
    await measureAdmitDelays(engines, a, b, 5);
    const { crossInstance, sameInstance } = await measureAdmitDelays(engines, a, b, admissions);
    const sorted = (xs) => [...xs].sort((x, y) => x - y);
    const [cross, same] = [sorted(crossInstance), sorted(sameInstance)];
    const p99 = percentile(cross, 99);
    return {
      rows: [
        {
          benchmark: 'cross-instance admit',
          metric: `admit via B → \`admitted\` on A, p50 (n=${cross.length})`,
          unit: 'ms',
          value: summarize(cross),
          baseline: percentile(same, 50),
        },
        {
          benchmark: 'cross-instance admit',
          metric: 'p99 (baseline: same instance p99)',
          unit: 'ms',
          value: p99,
          baseline: percentile(same, 99),
          target: '≤ 50 ms',
          met: p99 <= 50,
        },
      ],
      raw: { store: 'postgresql', crossInstanceMs: crossInstance, sameInstanceMs: sameInstance },
    };
  } finally {
    for (const instance of instances) await instance.stop();
    await engines.stop();
  }
}
