// Several livekit-server nodes on one Redis, behind one loopback TCP balancer: LiveKit's own multi-node mode
// (rooms are placed on a live node, signal connections are relayed to the hosting node over Redis).
// Used by `npm run start:cluster` and the cluster e2e tests.
import { devKeys, freePort, startLivekit } from './livekit.mjs';
import { startBalancer } from './tcp-balancer.mjs';

/**
 * Starts `nodes` nodes sharing `redis` (host:port), the same keys and the same webhook, each with its own
 * ports (signal/API, ICE/TCP, UDP range, Prometheus), and a balancer on `port` (free port if absent).
 * @param {{ redis: string, nodes?: number, port?: number, webhookUrl?: string, keys?: { apiKey: string, apiSecret: string }, quiet?: boolean }} options
 */
export async function startLivekitCluster({ redis, nodes = 2, port, webhookUrl, keys = devKeys(), quiet = true }) {
  if (!redis) throw new Error('startLivekitCluster needs a Redis address (host:port)');
  const running = [];
  try {
    for (let i = 0; i < nodes; i++) {
      running.push(await startLivekit({ webhookUrl, keys, redis, prometheusPort: await freePort(), quiet }));
    }
  } catch (err) {
    await Promise.all(running.map((node) => node.stop()));
    throw err;
  }
  const balancer = await startBalancer({ backends: running.map((node) => ({ host: '127.0.0.1', port: node.port })), port });
  return {
    url: `ws://127.0.0.1:${balancer.port}`,
    httpUrl: `http://127.0.0.1:${balancer.port}`,
    port: balancer.port,
    ...keys,
    nodes: running,
    /** The nodes that currently host at least one room, read from each live node's `livekit_room_total` gauge. */
    async nodesWithRooms() {
      const hosting = [];
      for (const node of running) {
        const text = await fetch(`http://127.0.0.1:${node.prometheusPort}/metrics`).then(
          (r) => r.text(),
          () => '',
        );
        const rooms = Number(/^livekit_room_total(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1] ?? 0);
        if (rooms > 0) hosting.push(node);
      }
      return hosting;
    },
    async stop() {
      await balancer.close();
      await Promise.all(running.map((node) => node.stop()));
    },
  };
}
