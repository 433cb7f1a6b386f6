import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { endpointUrlPattern } from './admin/admin.schema.js';
import { trustProxyProblem } from './client-key.js';
import { webhookSecret } from './outbox/signing.js';
import { uploadOptionsSchema } from './uploads/uploads.schema.js';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hash in lowercase hex (64 characters)');

export const tenantSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes'),
  name: z.string().min(1).max(200),
  /** SHA-256 of each API key; the keys themselves are never stored. Several allow rotation. */
  apiKeySha256: z.array(sha256Hex).min(1),
  /** Origins of host pages allowed to call the browser-facing endpoints (CORS). */
  allowedOrigins: z.array(z.url().refine((u) => new URL(u).origin === u, 'must be a bare origin like https://example.com')).default([]),
  /**
   * Outgoing webhook endpoints, seeded into the store at every start like the tenant itself (see
   * server/outbox/seed-endpoints.ts); the admin API adds more. `id` names one across restarts (default: from its URL).
   */
  webhookEndpoints: z
    .array(
      z.strictObject({
        id: z
          .string()
          .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'lowercase letters, digits and dashes')
          .optional(),
        url: endpointUrlPattern
          .refine((u) => URL.canParse(u), 'its host name is not valid (an xn-- label must be valid punycode)')
          .transform((u) => new URL(u).href),
        /** Newest first: each one signs every delivery while several are listed (a rotation). */
        secrets: z.array(webhookSecret).min(1).max(5),
      }),
    )
    .max(20)
    .optional(),
});

/**
 * Where the server keeps its state: a SQLite file (`path`, the embedded default of one process) or, when `url`
 * is set, PostgreSQL (several instances share it; `path` is then unused). The timeouts bound how long a request
 * waits for an unreachable database before it is answered 503 `store_unavailable`.
 */
export const databaseSchema = z.strictObject({
  path: z.string().min(1).default('data/videoconsult.sqlite'),
  url: z
    .string()
    .regex(/^postgres(ql)?:\/\/[^\s]*$/, 'must be a PostgreSQL URL such as postgres://user:password@127.0.0.1:5432/videoconsult')
    .refine((u) => URL.canParse(u), 'is not a valid URL (percent-encode special characters in the password)')
    .optional(),
  /** Connections per instance. */
  poolSize: z.number().int().min(1).max(100).default(10),
  connectTimeoutSeconds: z.number().int().min(1).max(60).default(5),
  /** Server-side limit per statement (Postgres `statement_timeout`). */
  statementTimeoutMs: z.number().int().min(100).max(60_000).default(5000),
});
export type DatabaseConfig = z.infer<typeof databaseSchema>;

export const configSchema = z.strictObject({
  host: z.string().default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8787),
  /** Where patients open join links (the host page), used to build the link returned with a code. */
  publicUrl: z.url().default('http://127.0.0.1:8787'),
  livekit: z.strictObject({
    /** The URL browsers connect to (ws:// or wss://). */
    url: z.string().regex(/^wss?:\/\//, 'must start with ws:// or wss://'),
    apiKey: z.string().min(1),
    apiSecret: z.string().min(32, 'must be at least 32 characters (livekit-server refuses shorter secrets)'),
    /** Where this server reaches the SFU's API (http:// or https://); defaults to `url` with ws→http. */
    apiUrl: z
      .string()
      .regex(/^https?:\/\//, 'must start with http:// or https://')
      .optional(),
  }),
  database: databaseSchema.default({ path: 'data/videoconsult.sqlite', poolSize: 10, connectTimeoutSeconds: 5, statementTimeoutMs: 5000 }),
  /**
   * Several token-server instances share the consultation bus, rate limits, the code lockout and stream caps
   * through this Redis. Absent: all of it stays in this process (one instance). Run it unpersisted
   * (`--save '' --appendonly no`): its limit keys stand for client addresses (see server/shared/redis.ts).
   */
  redis: z
    .strictObject({
      url: z
        .string()
        .refine(
          (u) => URL.canParse(u) && /^rediss?:$/.test(new URL(u).protocol),
          'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379',
        ),
    })
    .optional(),
  /** Server-side secret for keyed hashes and signed tickets; at least 32 characters. */
  secret: z.string().min(32, 'must be at least 32 characters'),
  tenants: z.array(tenantSchema).min(1, 'configure at least one tenant'),
  /**
   * The admin API (/v1/admin/*: tenants, key rotation, origins, practices, webhook endpoints) and the SHA-256 of
   * its key(s). Absent: the admin API refuses everyone. The tenants above seed the store at every start.
   */
  admin: z.strictObject({ apiKeySha256: z.array(sha256Hex).min(1) }).optional(),
  /** Lifetime of LiveKit grants handed to browsers. Minutes, never the SDK's 6 h default. */
  grantTtlMinutes: z.number().int().min(1).max(60).default(10),
  /**
   * Lifetime of a patient's LiveKit grant. Short, so a declined or departed patient is out for good within it
   * even if the SFU's webhook is lost: the SDK fetches a fresh one through the lobby (which refuses anyone no
   * longer admitted) before each (re)connect.
   */
  patientGrantTtlSeconds: z.number().int().min(5).max(600).default(120),
  /**
   * A waiting patient whose page closed or navigated away (the SDK says so on `pagehide`) leaves the queue this long
   * after, unless the same ticket's page comes back first: a reload resumes from session storage and keeps its place.
   */
  departureGraceSeconds: z.number().int().min(1).max(120).default(10),
  /**
   * Practitioner tokens (POST /v1/consultations/:id/practitioner-tokens): `ttlMinutes` is the default lifetime and the
   * most a request may ask for (at most 60); the SDK refreshes a token before it expires (POST /v1/practitioner/token),
   * for at most `refreshableForHours` after the integrator issued it. Revocations are kept that long.
   */
  practitionerTokens: z
    .strictObject({
      ttlMinutes: z.number().int().min(1).max(60).default(60),
      refreshableForHours: z.number().int().min(1).max(24).default(12),
    })
    .default({ ttlMinutes: 60, refreshableForHours: 12 }),
  retentionDays: z.number().int().min(1).max(90).default(90),
  /** A consultation nobody ended is ended by the sweeper this long after its start (or scheduled time). */
  staleAfterHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 7)
    .default(24),
  /**
   * Per-consultation cap on codes that are issued but not yet used or expired: bounds how many valid codes
   * a guesser could hit for one consultation, and how many patients one consultation can invite at once.
   */
  maxOpenCodesPerConsultation: z.number().int().min(1).max(10_000).default(200),
  /**
   * Requests per client and minute on the browser-facing endpoints (kept in memory only; IP addresses are
   * never written anywhere). Separate from the access-code lockout, which counts failed attempts.
   */
  rateLimits: z
    .strictObject({
      lobbyPerMinute: z.number().int().min(1).max(1_000_000).default(120),
      practitionerPerMinute: z.number().int().min(1).max(1_000_000).default(600),
      /** Per integrator API key, on the integrator API (/v1/consultations, /v1/stats, /v1/audit, …). */
      integratorPerMinute: z.number().int().min(1).max(1_000_000).default(600),
    })
    .default({ lobbyPerMinute: 120, practitionerPerMinute: 600, integratorPerMinute: 600 }),
  /**
   * Per-tenant budget of wrong access codes (all clients together). Beyond it, that tenant's join attempts
   * are evaluated one per `spacingMs` (slowed, never locked out); see lobby/guess-budget.ts and
   * docs/http-api.md for what this means for a guesser.
   */
  codeGuessBudget: z
    .strictObject({
      failuresPerWindow: z.number().int().min(1).max(1_000_000).default(100),
      windowMinutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60)
        .default(15),
      spacingMs: z.number().int().min(1).max(60_000).default(1000),
      maxWaitSeconds: z.number().int().min(1).max(120).default(20),
    })
    .default({ failuresPerWindow: 100, windowMinutes: 15, spacingMs: 1000, maxWaitSeconds: 20 }),
  /** How often the sweeper runs; 0 disables it (tests call sweep() themselves). */
  sweepIntervalSeconds: z.number().int().min(0).max(3600).default(60),
  /** Optional SMTP delivery of access codes by e-mail (`deliver: { email }`). */
  smtp: z
    .strictObject({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).default(587),
      /** true for implicit TLS (port 465); otherwise STARTTLS when offered (required if requireTLS). */
      secure: z.boolean().default(false),
      requireTLS: z.boolean().default(true),
      auth: z.strictObject({ user: z.string().min(1), pass: z.string().min(1) }).optional(),
      from: z.string().min(3),
    })
    .optional(),
  /** Optional SMS delivery of access codes (`deliver: { sms }`) through an HTTP gateway, see delivery/http-sms.ts. */
  sms: z
    .strictObject({
      url: z.url(),
      bearerToken: z.string().min(1).optional(),
      from: z.string().min(1).max(20).optional(),
    })
    .optional(),
  /** Files shared in a call (encrypted at rest, deleted at session end). Absent: the upload routes are off. */
  uploads: uploadOptionsSchema.optional(),
  /**
   * Proxies in front of this server: a hop count, or their addresses/CIDRs. `true` is refused (see
   * client-key.ts); the client address found this way keys the rate limits and the code lockout.
   */
  /** JSON log level (pino): fatal, error, warn, info, debug, trace or silent. */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Prometheus metrics at GET /metrics; off when absent. Never public by default: `port` serves them on a
   * listener of their own (on `host`, loopback unless set), otherwise `bearerToken` guards them on the main port.
   */
  metrics: z
    .strictObject({
      port: z.number().int().min(0).max(65535).optional(),
      host: z.string().default('127.0.0.1'),
      bearerToken: z.string().min(32, 'must be at least 32 characters').optional(),
    })
    .refine(
      (m) => m.port !== undefined || m.bearerToken !== undefined,
      'set port (a listener of its own) or bearerToken (on the main port)',
    )
    .optional(),
  trustProxy: z
    .custom<false | number | string[]>((value) => trustProxyProblem(value) === undefined, {
      error: (issue) => trustProxyProblem(issue.input) ?? 'invalid',
    })
    .default(false),
});

export type Config = z.infer<typeof configSchema>;
export type TenantConfig = z.infer<typeof tenantSchema>;
export type ConfigInput = z.input<typeof configSchema>;

export class ConfigError extends Error {}

/** Validates a config object; throws a ConfigError that names every bad key. */
export function parseConfig(input: unknown): Config {
  const result = configSchema.safeParse(input);
  const issues = result.success
    ? policyIssues(result.data)
    : result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  if (result.success && issues.length === 0) return result.data;
  const lines = issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`);
  throw new ConfigError(`Invalid videoconsult configuration:\n${lines.join('\n')}`);
}

/** Rules across several keys, checked once the shape is valid. */
function policyIssues(config: Config): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  const uploads = config.uploads;
  if (uploads && !uploads.clamd && uploads.scan !== 'off') {
    issues.push({
      path: 'uploads.clamd',
      message:
        'uploads are on but no malware scanner is configured: give clamd { socket } or { host, port }, or set uploads.scan to "off" to share files unscanned',
    });
  }
  if (uploads?.clamd && uploads.scan === 'off') {
    issues.push({ path: 'uploads.scan', message: '"off" contradicts the configured clamd scanner: remove one of them' });
  }
  return issues;
}

/**
 * Reads the config: the JSON file named by VC_CONFIG (if any), overridden by environment variables
 * for the values that differ per deployment.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  let fromFile: Record<string, unknown> = {};
  if (env.VC_CONFIG) {
    try {
      fromFile = JSON.parse(readFileSync(env.VC_CONFIG, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`Cannot read the config file VC_CONFIG=${env.VC_CONFIG}: ${(err as Error).message}`);
    }
  }
  const livekit = { ...(fromFile.livekit as object | undefined) } as Record<string, unknown>;
  if (env.LIVEKIT_URL) livekit.url = env.LIVEKIT_URL;
  if (env.LIVEKIT_API_KEY) livekit.apiKey = env.LIVEKIT_API_KEY;
  if (env.LIVEKIT_API_SECRET) livekit.apiSecret = env.LIVEKIT_API_SECRET;
  const merged: Record<string, unknown> = { ...fromFile, livekit };
  if (env.VC_HOST) merged.host = env.VC_HOST;
  if (env.VC_PORT) merged.port = env.VC_PORT;
  if (env.VC_PUBLIC_URL) merged.publicUrl = env.VC_PUBLIC_URL;
  if (env.VC_SECRET) merged.secret = env.VC_SECRET;
  if (env.VC_DATABASE) {
    const database = { ...(fromFile.database as object | undefined) } as Record<string, unknown>;
    if (/^postgres(ql)?:/.test(env.VC_DATABASE)) database.url = env.VC_DATABASE;
    else database.path = env.VC_DATABASE;
    merged.database = database;
  }
  if (env.VC_REDIS_URL) merged.redis = { url: env.VC_REDIS_URL };
  return parseConfig(merged);
}
