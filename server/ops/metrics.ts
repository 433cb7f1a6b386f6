/**
 * Prometheus metrics (prom-client), in a registry of this app's own (several apps may share a process).
 * Off unless `metrics` is configured, and never public by default: either on a port of its own (bind it to an
 * internal interface) or behind a bearer token on the main port. The domain counters are read off the routes'
 * outcomes, so no service needs to know about metrics.
 */
import { timingSafeEqual } from 'node:crypto';
import express, { type RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestInfo } from './logger.js';

export interface MetricsSources {
  /** Patients waiting in any lobby right now. */
  waitingPatients(): number | Promise<number>;
  /** Event streams (lobby, practitioner queue) open right now. */
  openStreams(): number;
}

/** Route templates whose successful answers are the domain events counted below. */
const EVENTS: Record<string, 'joins' | 'admissions' | 'patient-grants' | 'practitioner-grants' | 'webhooks'> = {
  'POST /v1/lobby/join': 'joins',
  // admit-all counts once: its answer is not read here. Patients' grants count each admitted patient.
  'POST /v1/practitioner/admit': 'admissions',
  'POST /v1/practitioner/admit-all': 'admissions',
  'POST /v1/lobby/grant': 'patient-grants',
  'POST /v1/practitioner/grant': 'practitioner-grants',
  'POST /v1/webhooks/livekit': 'webhooks',
};

export class Metrics {
  readonly registry = new Registry();
  private readonly latency: Histogram<'method' | 'route' | 'status'>;
  private readonly joins: Counter;
  private readonly admissions: Counter;
  private readonly grants: Counter<'role'>;
  private readonly webhooks: Counter<'outcome'>;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'videoconsult_process_' });
    this.latency = new Histogram({
      name: 'videoconsult_http_request_duration_seconds',
      help: 'HTTP request latency by route template (event streams: until they close)',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.joins = new Counter({ name: 'videoconsult_lobby_joins_total', help: 'Patients who joined a waiting room', registers });
    this.admissions = new Counter({
      name: 'videoconsult_admissions_total',
      help: 'Admit actions by practitioners (admit, admit-all)',
      registers,
    });
    this.grants = new Counter({
      name: 'videoconsult_grants_total',
      help: 'LiveKit grants handed out, by role',
      labelNames: ['role'],
      registers,
    });
    this.webhooks = new Counter({
      name: 'videoconsult_webhook_deliveries_total',
      help: 'LiveKit webhook deliveries received',
      labelNames: ['outcome'],
      registers,
    });
    new Gauge({
      name: 'videoconsult_waiting_patients',
      help: 'Patients waiting in a lobby',
      registers,
      async collect() {
        this.set(await sources.waitingPatients());
      },
    });
    new Gauge({
      name: 'videoconsult_open_streams',
      help: 'Open event streams (waiting rooms and practitioner queues)',
      registers,
      collect() {
        this.set(sources.openStreams());
      },
    });
  }

  /** Records one finished request (requestTracking's callback). */
  observe(info: RequestInfo): void {
    this.latency.observe({ method: info.method, route: info.route, status: String(info.status) }, info.seconds);
    const event = EVENTS[`${info.method} ${info.route}`];
    if (event === 'webhooks') {
      this.webhooks.inc({ outcome: info.status < 300 ? 'accepted' : 'rejected' });
      return;
    }
    if (!event || info.status >= 300) return;
    if (event === 'joins') this.joins.inc();
    else if (event === 'admissions') this.admissions.inc();
    else this.grants.inc({ role: event === 'patient-grants' ? 'patient' : 'practitioner' });
  }

  /** GET /metrics, answered only with the right bearer token when one is configured. */
  handler(bearerToken?: string): RequestHandler {
    const expected = bearerToken ? Buffer.from(`Bearer ${bearerToken}`) : undefined;
    return (req, res, next) => {
      if (expected) {
        const given = Buffer.from(req.get('authorization') ?? '');
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          res
            .status(401)
            .set('WWW-Authenticate', 'Bearer')
            .json({ error: { code: 'unauthorized', message: 'GET /metrics needs the configured bearer token.' } });
          return;
        }
      }
      this.registry
        .metrics()
        .then((text) => res.set('Cache-Control', 'no-store').type(this.registry.contentType).send(text))
        .catch(next);
    };
  }

  /** An app that serves only /metrics (for `metrics.port`). */
  app(bearerToken?: string): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.get('/metrics', this.handler(bearerToken));
    return app;
  }
}
