/** `videoconsult serve`: listens, and on SIGTERM/SIGINT drains (streams told to reconnect elsewhere) and exits. */
import type { AddressInfo } from 'node:net';
import { answerClientError, closeServer, createApp } from './app.js';
import type { Config } from './config.js';

export function serve(config: Config): Promise<void> {
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

  return new Promise<void>(() => {
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
  });
}
