// A loopback TCP load balancer in front of several LiveKit nodes, standing in for what a production cluster
// puts there (an L4 balancer: HAProxy, nginx `stream`, a cloud load balancer). Browsers and the token server
// reach "the SFU" at one address; each connection goes to the next node in turn, skipping nodes that refuse
// connections. LiveKit relays a signal connection that lands on a node other than the room's to the hosting
// node, so any live node is a right answer. Media does not pass through here: it goes straight to the
// hosting node's own UDP/TCP ports, as in production.
//
// When a node dies its connections die with it, and the balancer closes the client's side at once, so
// the browser learns of the failure from its signal socket instead of waiting for a timeout.
import { connect, createServer } from 'node:net';

/**
 * @param {{ backends: { host: string, port: number }[], port?: number, host?: string, skipFailedForMs?: number }} options
 * @returns {Promise<{ port: number, close: () => Promise<void> }>}
 */
export function startBalancer({ backends, port = 0, host = '127.0.0.1', skipFailedForMs = 2000 }) {
  if (!backends.length) throw new Error('startBalancer needs at least one backend');
  /** backend index → time until which it is tried only after the others (it refused a connection). */
  const failedUntil = new Map();
  let next = 0;
  const open = new Set();
  const track = (socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    socket.on('error', () => undefined);
  };

  const server = createServer({ pauseOnConnect: true }, (client) => {
    track(client);
    const now = Date.now();
    const order = backends.map((_, i) => (next + i) % backends.length);
    next = (next + 1) % backends.length;
    // Stable sort: the round-robin order, with recently failed nodes moved to the end as a last resort.
    order.sort((a, b) => Number((failedUntil.get(a) ?? 0) > now) - Number((failedUntil.get(b) ?? 0) > now));

    const attempt = (k) => {
      if (client.destroyed) return;
      if (k >= order.length) return void client.destroy();
      const index = order[k];
      const upstream = connect(backends[index]);
      track(upstream);
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        failedUntil.delete(index);
        upstream.pipe(client);
        client.pipe(upstream);
        client.resume();
      });
      upstream.once('close', () => {
        if (connected) client.destroy();
        else {
          failedUntil.set(index, Date.now() + skipFailedForMs);
          attempt(k + 1);
        }
      });
      client.once('close', () => upstream.destroy());
    };
    attempt(0);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      resolve({
        port: server.address().port,
        close: () =>
          new Promise((r) => {
            for (const socket of open) socket.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
