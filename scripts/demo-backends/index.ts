// The demo host applications' back ends (pharmacy portal, therapy platform, practice software): each holds its
// own tenant's API key, as an integrator's server would, and talks to the token server through the typed client
// (videoconsult/client). Browsers never see a key. Mounted on the demo pages' server by `npm start`
// (scripts/dev.mjs) and by the e2e stack (test/e2e/stack.ts), so the tests drive these very routes.
import { createHash, createHmac } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { VideoconsultAdminClient, VideoconsultApiError, VideoconsultClient } from '../../client/index.js';
import type { TenantConfig } from '../../server/config.js';
import type { MailCatcher } from './mail-catcher.js';
import { pharmacyRoutes } from './pharmacy.js';
import { practiceRoutes } from './practice.js';
import { therapyRoutes } from './therapy.js';

export const DEMO_APPS = ['pharmacy', 'therapy', 'practice'] as const;
export type DemoApp = (typeof DEMO_APPS)[number];

const TENANT_NAMES: Record<DemoApp, string> = {
  pharmacy: 'Market Square Pharmacy',
  therapy: 'Praxis für Psychotherapie Lindenhof',
  practice: 'Riverside Family Practice',
};

export const demoTenantId = (app: DemoApp): string => `demo-${app}`;

export interface DemoTenants {
  /** Entries for the token server's `tenants` config. */
  tenants: TenantConfig[];
  /** Each application's API key, for its back end only. */
  keys: Record<DemoApp, string>;
  /** The token server's `admin` config: the practice software's back end makes its practice through the admin API. */
  admin: { apiKeySha256: string[] };
  /** The admin key (the operator's, not a tenant's; handed to the practice back end, see practice.ts). */
  adminKey: string;
}

/**
 * One tenant per demo application. The keys are derived from `seed` (a secret of the running stack), so a
 * restart of `npm start` keeps them and the tenants it seeds into the store stay the same.
 */
export function demoTenants(seed: string, allowedOrigins: string[]): DemoTenants {
  const derive = (what: string) => createHmac('sha256', seed).update(what).digest('hex').slice(0, 32);
  const keys = Object.fromEntries(DEMO_APPS.map((app) => [app, `vk_${app}_${derive(`demo-tenant:${app}`)}`])) as Record<DemoApp, string>;
  const adminKey = `admin_${derive('demo-admin')}`;
  const tenants = DEMO_APPS.map((app) => ({
    id: demoTenantId(app),
    name: TENANT_NAMES[app],
    apiKeySha256: [createHash('sha256').update(keys[app]).digest('hex')],
    allowedOrigins,
  }));
  return { tenants, keys, adminKey, admin: { apiKeySha256: [createHash('sha256').update(adminKey).digest('hex')] } };
}

export interface DemoBackendOptions {
  /** The token server's base URL. */
  apiUrl: string;
  keys: Record<DemoApp, string>;
  adminKey: string;
  /** The SMTP catcher the token server mails access codes to; its inbox is served at /mail/. */
  mail: MailCatcher;
}

/** Answers a back end's failure the way the token server answers: `{ error: { code, message } }`. */
export function sendError(res: Response, err: unknown): void {
  if (err instanceof DemoError) {
    res.status(err.status).json({ error: { code: err.code, message: err.message } });
  } else if (err instanceof VideoconsultApiError) {
    // The token server's own code and message pass through; its status becomes a gateway error.
    res.status(err.status === 0 || err.status >= 500 ? 502 : err.status).json({ error: { code: err.code, message: err.message } });
  } else {
    res.status(500).json({ error: { code: 'demo_backend_failed', message: (err as Error).message } });
  }
}

export class DemoError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** An async route handler whose errors become `{ error }` answers. */
export function handle(fn: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response, _next: NextFunction) => {
    fn(req, res).catch((err: unknown) => sendError(res, err));
  };
}

/** The string field `name` of a JSON body, or a 400. */
export function field(req: Request, name: string, pattern: RegExp, message: string): string {
  const body: unknown = req.body;
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  if (typeof value !== 'string' || !pattern.test(value)) throw new DemoError(400, 'invalid_request', message);
  return value;
}

/**
 * A consultation the back end keeps using (a counter, a scheduled session): made at the first call, by one
 * request only, and made again once it has ended (the last person left and the SFU closed the room).
 */
export function openConsultation(vc: VideoconsultClient, create: () => Promise<{ id: string }>): () => Promise<string> {
  let current: Promise<string> | undefined;
  return async () => {
    if (current) {
      const seen = current;
      const id = await seen.catch(() => undefined);
      if (id && (await vc.getConsultation(id)).status !== 'ended') return id;
      if (current === seen) current = undefined;
    }
    current ??= create().then((c) => c.id);
    return current;
  };
}

/** The token server's `smtp` config for a catcher on loopback (no TLS: it never leaves the machine). */
export function catcherSmtp(mail: MailCatcher) {
  return {
    host: '127.0.0.1',
    port: mail.port,
    secure: false,
    requireTLS: false,
    from: 'Video consultations <no-reply@videoconsult.example>',
  };
}

/** Mounts every demo back end under /<app>/api/, and the inbox's messages at /mail/api/, on the demo pages' app. */
export function mountDemoBackends(app: Express, options: DemoBackendOptions): void {
  const client = (demo: DemoApp) => new VideoconsultClient({ baseUrl: options.apiUrl, apiKey: options.keys[demo] });
  app.use('/pharmacy/api', express.json({ limit: '4kb' }), pharmacyRoutes(client('pharmacy')));
  app.use('/therapy/api', express.json({ limit: '4kb' }), therapyRoutes(client('therapy')));
  const admin = new VideoconsultAdminClient({ baseUrl: options.apiUrl, apiKey: options.adminKey });
  app.use('/practice/api', express.json({ limit: '4kb' }), practiceRoutes(client('practice'), admin, demoTenantId('practice')));
  app.get('/mail/api/messages', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ messages: options.mail.messages() });
  });
}
