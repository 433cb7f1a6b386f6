/**
 * Operations wiring for createApp: the request id + JSON request log, the `log` hook on pino, metrics,
 * readiness and the draining flag for graceful shutdown. Kept out of app.ts so the services stay unaware.
 */
import type { Express, RequestHandler } from 'express';
import type { Config } from '../config.js';
import type { AppContext } from '../context.js';
import { errorBody } from '../openapi.js';
import type { RouteRegistry } from '../routing.js';
import { createLogger, logRequest, requestTracking, type Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { readyHandler } from './ready.js';

export interface Ops {
  logger: Logger;
  /** The `log` hook's default: a warning line in the JSON log. */
  log(line: string): void;
  tracking: RequestHandler;
  metrics: Metrics | undefined;
  /** The metrics-only app when `metrics.port` is configured (serve() listens on it). */
  metricsApp: Express | undefined;
  draining: boolean;
}

export function createOps(config: Config, deps: { logger?: Logger; log?: unknown }): Ops {
  // An embedding app that brings its own `log` sink and no logger gets no request lines on stdout.
  const logger = deps.logger ?? createLogger(deps.log ? { level: 'silent' } : { level: config.logLevel });
  const ops: Ops = {
    logger,
    log: (line) => logger.warn(line),
    tracking: requestTracking((info) => {
      logRequest(logger, info);
      ops.metrics?.observe(info);
    }),
    metrics: undefined,
    metricsApp: undefined,
    draining: false,
  };
  return ops;
}

/** /v1/ready, and /metrics on the main port when it is guarded by a bearer token. */
export function opsRoutes(routes: RouteRegistry, ctx: AppContext, ops: Ops, openStreams: () => number): void {
  const config = ctx.config;
  if (config.metrics) {
    ops.metrics = new Metrics({
      waitingPatients: async () => {
        let waiting = 0;
        for (const c of await ctx.store.listOpenConsultations()) waiting += (await ctx.store.listLobbyEntries(c.id, 'waiting')).length;
        return waiting;
      },
      openStreams,
    });
    if (config.metrics.port !== undefined) ops.metricsApp = ops.metrics.app(config.metrics.bearerToken);
    else routes.app.get('/metrics', ops.metrics.handler(config.metrics.bearerToken));
  }
  const probe = `ready-probe-${process.pid}`;
  const ready = readyHandler(
    {
      store: () => ctx.store.getConsultation(probe),
      // In-process unless a shared bus is configured; a shared bus reports its own connection.
      bus: () => (ctx.bus as { ready?: () => unknown }).ready?.(),
      sfu: () => ctx.rooms.listRooms([probe]),
    },
    () => ops.draining,
  );
  routes.add(
    {
      method: 'get',
      path: '/v1/ready',
      summary: 'Readiness: store, consultation bus and SFU reachable (503 names the failing part)',
      auth: 'none',
      tags: ['meta'],
      responses: { 200: { description: 'Ready' }, 503: { description: 'Not ready, or shutting down', schema: errorBody } },
    },
    (req, res) =>
      new Promise<void>((resolve, reject) => {
        res.once('finish', () => resolve());
        ready(req, res, (err?: unknown) => (err ? reject(err) : resolve()));
      }),
  );
}
