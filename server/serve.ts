/**
 * `videoconsult serve`: listens (and on `metrics.port` when configured). On SIGTERM/SIGINT it drains: stops
 * accepting connections, answers /v1/ready with 503, ends the event streams (their clients reconnect to
 * another instance), lets requests in flight finish (at most 10 s), closes the store and exits 0.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerClientError, createApp } from './app.js';
import type { Config } from './config.js';

const DRAIN_LIMIT_MS = 10_000;

function url(http: Server): string {
  const { address, port } = http.address() as AddressInfo;
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}

export async function serve(config: Config): Promise<void> {
  const server = createApp(config);
  const { logger } = server;
  // Behind a load balancer, an instance listening before it reaches its Redis would answer its first requests 503.
  if (!(await server.ready(10_000))) logger.warn('Redis is not reachable yet: answering 503 where it is needed until it is.');
  const fail = (what: string) => (err: Error) => {
    logger.fatal(`Cannot listen on ${what}: ${err.message}`);
    process.exit(1);
  };
  const http = server.app.listen(config.port, config.host, () => logger.info(`videoconsult token server listening on ${url(http)}`));
  http.on('clientError', answerClientError);
  http.on('error', fail(`${config.host}:${config.port}`));
  const metricsApp = server.metricsApp;
  const metricsHttp =
    metricsApp && config.metrics?.port !== undefined
      ? metricsApp.listen(config.metrics.port, config.metrics.host, () => logger.info(`metrics on ${url(metricsHttp!)}/metrics`))
      : undefined;
  metricsHttp?.on('error', fail(`${config.metrics?.host}:${config.metrics?.port} (metrics)`));

  return new Promise<void>(() => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info(`${signal} received, draining`);
      const force = setTimeout(() => {
        logger.warn(`requests still open after ${DRAIN_LIMIT_MS} ms; closing them`);
        http.closeAllConnections();
      }, DRAIN_LIMIT_MS);
      force.unref();
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      server.drain();
      http.closeIdleConnections();
      metricsHttp?.close();
      metricsHttp?.closeAllConnections();
      closed
        .then(() => server.close())
        .then(() => {
          logger.info('stopped');
          logger.flush();
          process.exit(0);
        })
        .catch((err: unknown) => {
          logger.error(`shutdown failed: ${(err as Error).message}`);
          logger.flush();
          process.exit(1);
        });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
