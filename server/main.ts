/**
 * The token server CLI: `node --import tsx server/main.ts` (or the built dist/server/main.js).
 * Config: VC_CONFIG=path/to/config.json, overridden by LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET,
 * VC_SECRET, VC_HOST, VC_PORT, VC_PUBLIC_URL, VC_DATABASE, VC_REDIS_URL (see config.ts).
 */
import type { AddressInfo } from 'node:net';
import { answerClientError, closeServer, createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

function main(): void {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const server = createApp(config);
  const http = server.app.listen(config.port, config.host, () => {
    const { address, port } = http.address() as AddressInfo;
    const host = address.includes(':') ? `[${address}]` : address;
    console.log(`videoconsult token server listening on http://${host}:${port}`);
  });
  http.on('clientError', answerClientError);
  http.on('error', (err) => {
    console.error(`Cannot listen on ${config.host}:${config.port}: ${err.message}`);
    process.exit(1);
  });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received, shutting down`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    closeServer(http)
      .then(() => server.close())
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        console.error(`shutdown failed: ${(err as Error).message}`);
        process.exit(1);
      });
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main();
