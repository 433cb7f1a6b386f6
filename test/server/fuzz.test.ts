/**
 * A bounded, seeded fuzz of the HTTP API, driven by the OpenAPI document (every path and method) plus paths
 * and methods it does not list. Reproduce a run with FUZZ_SEED=<seed printed by the run>; FUZZ_REQUESTS and
 * FUZZ_SECONDS change the bounds (defaults: 3,000 requests, 60 s).
 *
 * What must hold for every answer: never a 5xx, every error is exactly `{ error: { code, message } }` with a
 * snake_case code the server's source declares, no Set-Cookie; the server answers GET /v1/health after every
 * batch; and afterwards the data made before the fuzz reads back identically and a valid code still works.
 *
 * The fuzz runs from one client address, so the lobby and practitioner rate limits are raised for it
 * (config.rateLimits); the failed-code lockout is not configurable and is passed by moving the server's
 * clock past its 15-minute window before the final check.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AccessToken } from 'livekit-server-sdk';
import { answerClientError } from '../../server/app.js';
import { call, createConsultation, issueCode, joinLobby, practitionerToken, signWebhook, startHarness, type Harness } from './helpers.js';
import { mulberry32 } from '../support/random.js';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const TOTAL = Number(process.env.FUZZ_REQUESTS ?? 3000);
const TIME_CAP_MS = Number(process.env.FUZZ_SECONDS ?? 60) * 1000;
const BATCH = 100;
const CONCURRENCY = 8;

class Rng {
  constructor(readonly next: () => number) {}
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  string(max = 40): string {
    const alphabet = 'abcXYZ019 -_.:/%?#&=+"\'<>\\{}[]';
    let s = '';
    for (let i = this.int(max + 1); i > 0; i--) s += alphabet[this.int(alphabet.length)];
    return s;
  }
}

// ---------------------------------------------------------------- hostile values
const nasty = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u202Eevil\u202C',
  'مرحبا بالعالم',
  '𝕳𝖊𝖑𝖑𝖔 👩‍⚕️🩺🏳️‍🌈',
  '\uD800',
  '\uFFFF\uFEFF',
  'Z̷̧̢͎̝a̸͈l̵̛g̷o̶',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' OR 1=1 --",
  '"; DROP TABLE consultations; --',
  '../../../../etc/passwd',
  '%00',
  '%',
  '%E0%A4%A',
  '${jndi:ldap://127.0.0.1/x}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e309',
  '9007199254740993',
  '2026-13-45T25:61:61Z',
  '0000-00-00T00:00:00Z',
  '+999999-01-01T00:00:00Z',
];

const nastyNumbers = [0, -0, -1, 1.5, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), Number.MAX_VALUE, Number.MIN_VALUE, 1e308, -1e308, 4, 16, 17];

function nastyString(rng: Rng): string {
  switch (rng.int(6)) {
    case 0:
      return rng.pick(nasty);
    case 1:
      return rng.pick(nasty).repeat(1 + rng.int(200));
    case 2:
      return 'x'.repeat(rng.pick([64, 65, 81, 201, 281, 4096, 20_000]));
    case 3:
      return rng.string(60);
    case 4:
      return String.fromCharCode(...Array.from({ length: 1 + rng.int(30) }, () => rng.int(0x10000)));
    default:
      return rng.pick(['ok', 'warning', 'failed', 'email', 'sms', 'en', 'de-CH', 'ABCDEFGHJK', 'Dr. Who']);
  }
}

function nastyValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 6 : 9)) {
    case 0:
      return nastyString(rng);
    case 1:
      return rng.pick(nastyNumbers);
    case 2:
      return rng.chance(0.5);
    case 3:
      return null;
    case 4:
      return nastyString(rng);
    case 5:
      return rng.pick(nastyNumbers) * (rng.chance(0.5) ? 1 : -1);
    case 6:
      return Array.from({ length: rng.int(4) }, () => nastyValue(rng, depth + 1));
    case 7:
      return pollutedObject(rng, depth + 1);
    default:
      return Object.fromEntries(Array.from({ length: rng.int(4) }, () => [nastyString(rng).slice(0, 30), nastyValue(rng, depth + 1)]));
  }
}

/** JSON text with prototype-pollution keys (JSON.stringify would not emit a real `__proto__` key). */
function pollutedObject(rng: Rng, depth: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const key = rng.pick(['__proto__', 'constructor', 'prototype', '__defineGetter__', 'toString', 'valueOf']);
  Object.defineProperty(o, key, {
    value: rng.chance(0.5) ? { polluted: true, isAdmin: true } : nastyValue(rng, depth + 1),
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return o;
}

function deeplyNested(rng: Rng): string {
  const depth = rng.pick([100, 1000, 5000, 7000, 50_000]);
  return rng.chance(0.5) ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

// ---------------------------------------------------------------- values from the JSON Schemas of the document
type Schema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  default?: unknown;
};

/** A plausible value for a schema (often valid), so the fuzz also reaches what lies behind validation. */
function plausible(schema: Schema | undefined, rng: Rng, depth = 0): unknown {
  if (!schema || depth > 4) return nastyValue(rng);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return rng.pick(schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return plausible(rng.pick(alternatives), rng, depth + 1);
  const type = Array.isArray(schema.type) ? rng.pick(schema.type) : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [name, sub] of Object.entries(schema.properties ?? {})) {
        if (schema.required?.includes(name) || rng.chance(0.5)) out[name] = plausible(sub, rng, depth + 1);
      }
      return out;
    }
    case 'string':
      if (schema.format === 'date-time') return new Date(Date.now() + rng.int(1e9)).toISOString();
      if (schema.format === 'email') return rng.pick(['pat@example.org', 'a@b', 'x'.repeat(300) + '@example.org']);
      if (schema.pattern?.includes('+[1-9]')) return '+41791234567';
      if (schema.pattern) return rng.pick(['en', 'de-CH', 'fr']);
      return rng.chance(0.7) ? 'Pat Patient' : nastyString(rng);
    case 'integer':
    case 'number': {
      const lo = schema.minimum ?? 0;
      const hi = schema.maximum ?? lo + 100;
      return rng.chance(0.7) ? lo + rng.int(Math.max(1, Math.min(hi - lo, 1000))) : rng.pick(nastyNumbers);
    }
    case 'boolean':
      return rng.chance(0.5);
    case 'array':
      return [];
    default:
      return nastyValue(rng);
  }
}

function mutate(value: unknown, rng: Rng): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return rng.chance(0.5) ? nastyValue(rng) : value;
  const o = { ...(value as Record<string, unknown>) };
  const keys = Object.keys(o);
  switch (rng.int(6)) {
    case 0:
      if (keys.length) delete o[rng.pick(keys)];
      return o;
    case 1:
      if (keys.length) o[rng.pick(keys)] = nastyValue(rng);
      return o;
    case 2:
      return Object.assign(pollutedObject(rng, 0), o);
    case 3:
      o[nastyString(rng).slice(0, 40)] = nastyValue(rng);
      return o;
    case 4:
      return rng.pick([[], [o], 'string', 42, true, null]);
    default:
      return o;
  }
}

// ---------------------------------------------------------------- the document and the credentials
type Operation = {
  security?: Record<string, unknown>[];
  parameters?: { name: string; in: string; schema?: Schema }[];
  requestBody?: { content: Record<string, { schema?: Schema }> };
};
type Doc = { paths: Record<string, Record<string, Operation>> };

interface Target {
  consultationId: string;
  practitioner: string;
  ticket: string;
  ticketId: string;
  livekit: string;
}

interface Request {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body?: Buffer;
  /** What was generated, for the failure report. */
  note: string;
  /** Sign the body like the SFU does (so the fuzz reaches what lies behind the webhook signature). */
  signWebhook?: boolean;
}

/** Webhook events with a right signature and wrong content: the SFU is trusted to sign, not to be sane. */
function webhookEvent(target: Target, rng: Rng): Buffer {
  const room = rng.pick([`vc-${target.consultationId}`, 'vc-', 'vc-nope', 'other', nastyString(rng)]);
  const event: Record<string, unknown> = {
    event: rng.chance(0.7)
      ? rng.pick(['room_finished', 'participant_joined'])
      : rng.pick(['participant_left', 'room_started', 'track_published', '', 'bogus', nastyString(rng)]),
    id: rng.chance(0.7) ? `EV_${rng.int(1e9)}` : rng.pick(['EV_fixed', '', nastyString(rng)]),
    createdAt: rng.chance(0.7) ? String(Math.floor(Date.now() / 1000)) : rng.pick(['-1', '1e999', nastyString(rng)]),
  };
  if (rng.chance(0.8))
    event.room = rng.chance(0.8)
      ? { name: room, sid: 'RM_x', numParticipants: rng.chance(0.7) ? rng.int(5) : rng.pick(nastyNumbers) }
      : nastyValue(rng);
  if (rng.chance(0.6))
    event.participant = rng.chance(0.8)
      ? { identity: rng.pick(['patient-x', 'practitioner-x', '', nastyString(rng)]), sid: 'PA_x' }
      : nastyValue(rng);
  if (rng.chance(0.2)) Object.assign(event, pollutedObject(rng, 0));
  return Buffer.from(JSON.stringify(rng.chance(0.9) ? event : nastyValue(rng)));
}

const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'MKCOL', 'SEARCH', 'PURGE'];

const unknownPaths = [
  '/',
  '/v1',
  '/v1/',
  '/v2/consultations',
  '/v1/lobby',
  '/v1/lobby/',
  '/v1/lobby/nope',
  '/v1/practitioner/',
  '/v1/rooms/',
  '/v1/rooms/x',
  '/v1/webhooks/',
  '/v1/consultations/../openapi.json',
  '/v1/consultations/%2e%2e/%2e%2e/etc/passwd',
  '/.env',
  '/v1/%',
  '/v1/%zz',
  '/v1/consultations/%E0%A4%A',
  '/v1/consultations/%',
  '/v1/consultations/%C0%AF',
  '/v1/consultations/%00',
  '/v1/consultations/%FF%FE/end',
  '/v1/rooms/%E0%A4%A/uploads',
  '/v1/rooms/vc-%/uploads/%zz',
  '//v1//consultations',
  '/v1/consultations/' + 'a'.repeat(5000),
  '/v1/health/../health',
  '/v1/openapi.json/extra',
  '/V1/CONSULTATIONS',
  '/v1/consultations;jsessionid=1',
  '/v1/consultations/__proto__',
  '/v1/consultations/constructor/access-codes',
  '/v1/consultations/hasOwnProperty',
  '/*',
  '/v1/consultations/:id',
];

/** Percent-encodes the UTF-8 bytes of any string (encodeURIComponent throws on a lone surrogate). */
const pct = (s: string): string =>
  [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

/** Header values travel as bytes: non-Latin-1 text is sent as its UTF-8 bytes. */
const asHeader = (s: string): string => Buffer.from(s.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, ''), 'utf8').toString('latin1');

function authorizationFor(scheme: string | undefined, target: Target, h: Harness, rng: Rng): string | string[] | undefined {
  const valid: Record<string, string> = {
    tenantApiKey: h.keys.acme,
    practitionerToken: target.practitioner,
    lobbyTicket: target.ticket,
    livekitGrant: target.livekit,
  };
  const right = scheme ? valid[scheme] : undefined;
  switch (rng.int(12)) {
    case 0:
    case 1:
    case 2:
    case 3:
      return right ? `Bearer ${right}` : undefined;
    case 4:
      return undefined;
    case 5:
      return [`Bearer ${rng.pick(Object.values(valid))}`, asHeader(`Bearer ${nastyString(rng)}`)]; // duplicated header
    case 6:
      return asHeader(
        rng.pick([
          'Bearer',
          'Bearer ',
          'Basic dXNlcjpwYXNz',
          'bearer  x  y',
          'Bearer\t' + nastyString(rng),
          nastyString(rng),
          'Bearer ' + 'A'.repeat(8000),
        ]),
      );
    case 7:
      return `Bearer vcp.${Buffer.from(JSON.stringify(nastyValue(rng))).toString('base64url')}.${rng.string(43)}`;
    case 8:
      return rng.pick([
        'Bearer vcp..',
        'Bearer vcp.e30.',
        'Bearer vcp.%%%.%%%',
        'Bearer vcp.a.b.c',
        'Bearer eyJ.eyJ.sig',
        'Bearer ..',
        'Bearer ' + right?.slice(0, -2),
      ]);
    case 9:
      return `Bearer ${h.keys.globex}`; // a right key of the other tenant
    case 10:
      return right ? `Bearer ${right}${rng.pick(['x', '=', '.', '..'])}` : undefined;
    default:
      return `Bearer ${rng.pick(Object.values(valid))}`; // a valid credential of the wrong kind
  }
}

function fillPath(path: string, target: Target, rng: Rng): string {
  return path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    if (rng.chance(0.6)) {
      if (name === 'room') return `vc-${target.consultationId}`;
      if (name === 'id') return rng.chance(0.8) ? target.consultationId : 'UPLOADID';
    }
    return rng.chance(0.7) ? pct(nastyString(rng)) || 'x' : rng.pick(['%', '%zz', '%E0%A4%A', '%00', '%C0%AF', '..', '%2F', '%25']);
  });
}

function queryFor(op: Operation, rng: Rng): string {
  if (!rng.chance(0.6)) return '';
  const pairs: string[] = [];
  for (const p of op.parameters ?? []) {
    if (p.in !== 'query' || !rng.chance(0.7)) continue;
    const value = rng.chance(0.5) ? String(plausible(p.schema, rng)) : nastyString(rng);
    pairs.push(`${p.name}=${pct(value)}`);
    if (rng.chance(0.2)) pairs.push(`${p.name}=${pct(nastyString(rng))}`); // duplicated
  }
  if (rng.chance(0.4)) {
    pairs.push(
      rng.pick([
        '__proto__[isAdmin]=1',
        'constructor[prototype][x]=1',
        'limit[]=1',
        'a[b][c][d][e][f]=1',
        '%',
        '%zz=%zz',
        '&&&=&',
        '=',
        'limit=1e309',
        'limit=-1',
        'limit=0x10',
        'status=ACTIVE',
        `x=${'y'.repeat(6000)}`,
        'from=2026-13-45&to=yesterday',
        'cursor=%00%01',
      ]),
    );
  }
  return pairs.length ? `?${pairs.join('&')}` : '';
}

function bodyFor(op: Operation, rng: Rng, headers: Record<string, string | string[]>): { body?: Buffer; note: string } {
  const schema = op.requestBody?.content['application/json']?.schema;
  const raw = op.requestBody && !schema;
  const contentType = (): void => {
    if (rng.chance(0.75)) headers['content-type'] = 'application/json';
    else
      headers['content-type'] = rng.pick([
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=utf-16',
        'application/json; charset=bogus',
        'application/json; charset=latin1',
        'application/*+json',
        'application/octet-stream',
        'application/pdf',
        'image/png',
        asHeader(nastyString(rng)),
        '',
      ]);
    if (rng.chance(0.05)) headers['content-encoding'] = rng.pick(['gzip', 'deflate', 'br', 'identity', 'bogus', 'gzip, gzip']);
  };
  switch (rng.int(10)) {
    case 0:
      return { note: 'no body' };
    case 1:
      contentType();
      return {
        body: Buffer.from(
          rng.pick([
            '{',
            '{"a":',
            '[1,2',
            'nul',
            '{"code":"x",}',
            "{'a':1}",
            '\u0000',
            '\uFEFF{}',
            '{"a":1}{"b":2}',
            '"\\ud800"',
            '{"a":1e999999}',
            '-',
          ]),
        ),
        note: 'malformed JSON',
      };
    case 2:
      contentType();
      return { body: Buffer.from(deeplyNested(rng)), note: 'deeply nested' };
    case 3:
      contentType();
      return {
        body: Buffer.alloc(rng.pick([16 * 1024 + 1, 64 * 1024 + 1, 1024 * 1024]), rng.pick(['a', '{', ' ', '0'])),
        note: 'huge body',
      };
    case 4:
      contentType();
      return { body: Buffer.from(Array.from({ length: 1 + rng.int(400) }, () => rng.int(256))), note: 'random bytes' };
    case 5:
      contentType();
      return { body: Buffer.from(JSON.stringify(nastyValue(rng))), note: 'random JSON value' };
    default: {
      if (raw) {
        headers['content-type'] = rng.pick(['application/pdf', 'image/png', 'application/octet-stream', 'text/html']);
        if (rng.chance(0.5)) headers['x-filename'] = asHeader(nastyString(rng));
        const magic = rng.pick(['%PDF-1.7\n', '\x89PNG\r\n\x1a\n', '\xff\xd8\xff', '<svg onload=alert(1)>', '']);
        return { body: Buffer.concat([Buffer.from(magic, 'latin1'), Buffer.from(nastyString(rng))]), note: 'raw upload' };
      }
      contentType();
      const value = mutate(plausible(schema, rng), rng);
      return { body: Buffer.from(JSON.stringify(value)), note: 'schema-shaped body' };
    }
  }
}

function generate(doc: Doc, target: Target, h: Harness, rng: Rng): Request {
  const headers: Record<string, string | string[]> = {};
  let method: string;
  let path: string;
  let op: Operation = {};
  let note: string;
  const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.entries(ops).map(([m, o]) => ({ path: p, method: m, op: o })));
  if (rng.chance(0.85)) {
    const chosen = rng.pick(documented);
    op = chosen.op;
    method = rng.chance(0.85) ? chosen.method.toUpperCase() : rng.pick(methods);
    path = fillPath(chosen.path, target, rng) + queryFor(op, rng);
    note = `${chosen.method} ${chosen.path}`;
  } else {
    method = rng.pick(methods);
    path = rng.pick(unknownPaths) + (rng.chance(0.3) ? queryFor({}, rng) : '');
    note = 'unknown path';
  }
  const scheme = Object.keys(op.security?.[0] ?? {})[0];
  const authorization = authorizationFor(scheme, target, h, rng);
  if (authorization !== undefined) headers.authorization = authorization;
  if (rng.chance(0.15))
    headers.origin = rng.pick([
      'https://acme.example',
      'https://globex.example',
      'https://evil.example',
      'null',
      asHeader(nastyString(rng)),
    ]);
  if (rng.chance(0.05)) headers['last-event-id'] = asHeader(rng.pick(['-1', '1e309', 'NaN', '99999999999999999999', nastyString(rng)]));
  if (rng.chance(0.05))
    headers['x-forwarded-for'] = asHeader(rng.pick(['127.0.0.1, 10.0.0.1', '::ffff:1.2.3.4', 'garbage', nastyString(rng)]));
  if (rng.chance(0.05)) headers['user-agent'] = asHeader(nastyString(rng));
  if (rng.chance(0.03)) headers.accept = rng.pick(['text/html', 'application/xml', '*/*;q=x']);
  if (rng.chance(0.03)) headers.cookie = 'session=1; __proto__=x';
  const { body, note: bodyNote } =
    method === 'GET' || method === 'HEAD' ? (rng.chance(0.1) ? bodyFor(op, rng, headers) : { note: 'no body' }) : bodyFor(op, rng, headers);
  if (note === 'post /v1/webhooks/livekit' && method === 'POST' && rng.chance(0.5)) {
    return {
      method,
      path,
      headers: { 'content-type': 'application/webhook+json' },
      body: webhookEvent(target, rng),
      note: `${note}; signed event`,
      signWebhook: true,
    };
  }
  return { method, path, headers, ...(body ? { body } : {}), note: `${note}; ${bodyNote}` };
}

// ---------------------------------------------------------------- sending and checking
interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  stream: boolean;
}

function send(base: URL, agent: http.Agent, req: Request): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const r = http.request(
      { host: base.hostname, port: base.port, method: req.method, path: req.path, headers: req.headers, agent, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        if (String(res.headers['content-type']).startsWith('text/event-stream')) {
          // A stream that opened: note it and hang up (this is what a client going away looks like).
          res.destroy();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.alloc(0), stream: true });
          return;
        }
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), stream: false }));
        // The same reset, seen while the answer (e.g. a 413 sent before the upload ended) was being read.
        res.on('error', (err: NodeJS.ErrnoException) =>
          err.message === 'aborted' || err.code === 'ECONNRESET'
            ? resolve({ status: -1, headers: {}, body: Buffer.alloc(0), stream: false })
            : reject(err),
        );
      },
    );
    r.on('timeout', () => r.destroy(new Error('no answer within 10 s')));
    r.on('error', (err: NodeJS.ErrnoException) => {
      // A server that answers a huge body before reading it may reset the rest of our upload.
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') resolve({ status: -1, headers: {}, body: Buffer.alloc(0), stream: false });
      else reject(err);
    });
    r.end(req.body);
  });
}

/** Every error code the server's source can produce (ApiError and tooMany calls). */
function declaredCodes(): Set<string> {
  const codes = new Set(['rate_limited', 'too_many_attempts', 'token_expired', 'invalid_token']);
  const dir = join(import.meta.dirname, '../../server');
  for (const file of readdirSync(dir, { recursive: true }).map(String)) {
    if (!file.endsWith('.ts')) continue;
    const source = readFileSync(join(dir, file), 'utf8');
    for (const m of source.matchAll(/ApiError\(\s*[\w.]+,\s*'([a-z0-9_]+)'/g)) codes.add(m[1]!);
    for (const m of source.matchAll(/tooMany\([^)]*?'([a-z0-9_]+)'/g)) codes.add(m[1]!);
  }
  return codes;
}

const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/** Problems with one answer; empty when it is fine. */
function check(req: Request, res: Answer, codes: Set<string>): string[] {
  const problems: string[] = [];
  if (res.status === -1) return problems; // connection reset while we were still sending a huge body
  if (res.status >= 500 || res.status < 100) problems.push(`status ${res.status}`);
  if (res.headers['set-cookie']) problems.push('Set-Cookie sent');
  if (res.status >= 400 && req.method !== 'HEAD') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.body.toString('utf8'));
    } catch {
      problems.push(`error body is not JSON: ${JSON.stringify(res.body.toString('utf8').slice(0, 120))}`);
    }
    if (parsed !== undefined) {
      const e = (parsed as { error?: { code?: unknown; message?: unknown } }).error;
      const shapeOk =
        typeof parsed === 'object' &&
        parsed !== null &&
        Object.keys(parsed).join() === 'error' &&
        typeof e === 'object' &&
        e !== null &&
        Object.keys(e).sort().join() === 'code,message' &&
        typeof e.code === 'string' &&
        typeof e.message === 'string' &&
        e.message.length > 0;
      if (!shapeOk) problems.push(`error body shape: ${JSON.stringify(parsed).slice(0, 160)}`);
      else if (!SNAKE.test(e.code as string) || !codes.has(e.code as string)) problems.push(`unstable code ${JSON.stringify(e.code)}`);
      if (!String(res.headers['content-type']).startsWith('application/json'))
        problems.push(`error content-type ${res.headers['content-type']}`);
    }
  }
  return problems;
}

async function health(base: URL): Promise<void> {
  const res = await fetch(new URL('/v1/health', base));
  assert.equal(res.status, 200, 'the server stopped answering /v1/health');
  assert.deepEqual(await res.json(), { status: 'ok' });
}

async function pool<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

describe('HTTP API fuzz', () => {
  let h: Harness;
  let skew = 0;
  let doc: Doc;
  let base: URL;
  const preserved: { id: string; code: string; consultation: unknown; ticket: string; ticketId: string } = {} as never;

  before(async () => {
    h = await startHarness(
      { withUploads: true, rateLimits: { lobbyPerMinute: 1_000_000, practitionerPerMinute: 1_000_000 } },
      // Code delivery goes to in-memory senders: without them a valid `deliver` answers the documented
      // 501 delivery_unavailable (no channel configured), which is not what this fuzz is about.
      { now: () => Date.now() + skew, mailer: { sendAccessCode: async () => undefined }, sms: { sendAccessCode: async () => undefined } },
    );
    base = new URL(h.base);
    h.http.on('clientError', answerClientError); // as server/main.ts does
    doc = (await call<Doc>(h, 'GET', '/v1/openapi.json')).body;
    // Data of the other tenant, which the fuzz never holds a valid key for (it does get the key as a wrong credential).
    preserved.id = await createConsultation(h, h.keys.globex, { title: 'Before the fuzz', maxParticipants: 3 });
    await issueCode(h, h.keys.globex, preserved.id, { alias: 'Used' });
    const used = await joinLobby(h, await issueCode(h, h.keys.globex, preserved.id), 'Waiting Wanda');
    preserved.ticket = used.ticket;
    preserved.ticketId = used.ticketId;
    preserved.code = await issueCode(h, h.keys.globex, preserved.id, { expiresInMinutes: 43_200 }); // outlives the clock moves
    preserved.consultation = (await call(h, 'GET', `/v1/consultations/${preserved.id}`, { auth: h.keys.globex })).body;
  });
  after(async () => {
    await h?.stop();
  });

  it('GET /v1/health answers {status:"ok"} without authentication or details, and is documented', async () => {
    const res = await call(h, 'GET', '/v1/health');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'ok' });
    assert.equal(res.headers.get('set-cookie'), null);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const op = doc.paths['/v1/health']?.get as (Operation & { security: unknown[] }) | undefined;
    assert.ok(op, 'GET /v1/health is in the OpenAPI document');
    assert.deepEqual(op.security, []);
    assert.equal((await call(h, 'POST', '/v1/health', { body: {} })).status, 405);
  });

  it('regression: a path parameter that is not valid percent-encoding is 400 invalid_path, not 500', async () => {
    for (const path of ['/v1/consultations/%E0%A4%A', '/v1/consultations/%', '/v1/consultations/%zz/end', '/v1/rooms/%C0/uploads/x']) {
      const method = path.endsWith('/end') ? 'POST' : 'GET';
      const res = await call<{ error: { code: string } }>(h, method, path, { auth: h.keys.acme });
      assert.equal(res.status, 400, `${method} ${path}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(Object.keys(res.body.error).sort(), ['code', 'message']);
      assert.equal(res.body.error.code, 'invalid_path');
    }
  });

  it("regression: what Node's HTTP parser refuses (huge headers, bad framing) is answered in the error shape", async () => {
    const huge = await new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
      const r = http.request(
        { host: base.hostname, port: base.port, path: '/v1/health', headers: { 'x-big': 'a'.repeat(20_000) } },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        },
      );
      r.on('error', reject);
      r.end();
    });
    assert.equal(huge.status, 431);
    assert.match(String(huge.headers['content-type']), /^application\/json/);
    assert.equal((JSON.parse(huge.body) as { error: { code: string } }).error.code, 'headers_too_large');
  });

  it(`answers ${TOTAL} hostile requests with 4xx (never 5xx), in the error shape, without cookies, and stays up`, async (t) => {
    t.diagnostic(`FUZZ_SEED=${SEED} (rerun with FUZZ_SEED=${SEED} to reproduce)`);
    console.log(`[fuzz] FUZZ_SEED=${SEED}`);
    const rng = new Rng(mulberry32(SEED));
    const codes = declaredCodes();
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const started = Date.now();
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const seenCodes = new Map<string, number>();
    const signed = new Map<string, number>();
    let sent = 0;
    let target: Target | undefined;
    let rotationsPastLockout = 0;
    try {
      while (sent < TOTAL && Date.now() - started < TIME_CAP_MS) {
        // A fresh consultation whenever the fuzz ended the last one (practitioner end, consultation end),
        // so valid credentials keep reaching the code behind authentication.
        if (
          !target ||
          (await h.server.store.getConsultation(target.consultationId))?.status === 'ended' ||
          !['waiting', 'admitted'].includes((await h.server.store.getLobbyEntry(target.ticketId))?.status ?? '')
        ) {
          const consultationId = await createConsultation(h, h.keys.acme);
          const code = await issueCode(h, h.keys.acme, consultationId);
          let patient: { ticket: string; ticketId: string };
          try {
            patient = await joinLobby(h, code);
          } catch {
            rotationsPastLockout++;
            skew += 16 * 60_000; // past the failed-code lockout that the fuzz's wrong codes set off
            patient = await joinLobby(h, code);
          }
          const at = new AccessToken(h.sfu.apiKey, h.sfu.apiSecret, { identity: 'patient-fuzz', ttl: '10m' });
          at.addGrant({ roomJoin: true, room: `vc-${consultationId}`, canPublishData: true });
          target = {
            consultationId,
            practitioner: await practitionerToken(h, h.keys.acme, consultationId),
            ...patient,
            livekit: await at.toJwt(),
          };
        }
        const batch = Array.from({ length: Math.min(BATCH, TOTAL - sent) }, () => generate(doc, target!, h, rng));
        const offset = sent;
        await pool(batch, CONCURRENCY, async (req, i) => {
          let res: Answer;
          try {
            if (req.signWebhook)
              req.headers.authorization = await signWebhook(req.body?.toString('utf8') ?? '', h.sfu.apiKey, h.sfu.apiSecret);
            res = await send(base, agent, req);
          } catch (err) {
            failures.push(
              `#${offset + i} ${req.method} ${req.path.slice(0, 120)} (${req.note}) ${JSON.stringify(req.headers).slice(0, 300)}: ${(err as Error).message}`,
            );
            return;
          }
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (req.signWebhook) {
            const key =
              res.status === 200 ? String((JSON.parse(res.body.toString('utf8')) as { result?: string }).result) : String(res.status);
            signed.set(key, (signed.get(key) ?? 0) + 1);
          }
          if (res.status >= 400 && req.method !== 'HEAD') {
            try {
              const code = (JSON.parse(res.body.toString('utf8')) as { error: { code: string } }).error.code;
              seenCodes.set(code, (seenCodes.get(code) ?? 0) + 1);
            } catch {
              /* reported by check() */
            }
          }
          for (const problem of check(req, res, codes)) {
            failures.push(
              `#${offset + i} ${req.method} ${req.path.slice(0, 120)} (${req.note}) ${JSON.stringify(req.headers).slice(0, 300)} → ${res.status} ${JSON.stringify(res.headers)}: ${problem}`,
            );
          }
        });
        sent += batch.length;
        await health(base);
      }
    } finally {
      agent.destroy();
    }
    t.diagnostic(`server clock moved ${rotationsPastLockout} × 16 min past the failed-code lockout to set up fresh targets`);
    t.diagnostic(`${sent} requests in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
    t.diagnostic(`signed webhook events: ${JSON.stringify(Object.fromEntries(signed))}`);
    t.diagnostic(`error codes: ${JSON.stringify(Object.fromEntries([...seenCodes].sort((a, b) => b[1] - a[1])))}`);
    assert.ok(sent >= Math.min(TOTAL, 500), `only ${sent} requests within the time cap`);
    assert.deepEqual(failures.slice(0, 25), [], `${failures.length} bad answers (FUZZ_SEED=${SEED})`);
  });

  it('sends malformed HTTP framing on raw sockets: answers 4xx or hangs up, never 5xx, and stays up', async () => {
    const raw = [
      'GET /v1/health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\u0000b\r\n\r\n',
      'GET /v1/health HTTP/1.1\r\nHost: x\r\nX: \u00ff\u00fe\r\n\r\n',
      'POST /v1/lobby/join HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{"a":1}',
      'POST /v1/lobby/join HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
      'POST /v1/lobby/join HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n0\r\n\r\n',
      'POST /v1/lobby/join HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"code":',
      'GET /v1/health HTTP/1.1\r\nHost: x\r\n' + `X-Big: ${'a'.repeat(70_000)}\r\n\r\n`,
      'GET /v1/health HTTP/9.9\r\nHost: x\r\n\r\n',
      'GET /v1/health\r\n\r\n',
      'GET  /v1/health  HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET http://evil.example/v1/health HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET * HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /v1/consultations/%E0%A4%A HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer x\r\n\r\n',
      'GET /v1/consultations/\u00e9\u00ff HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /v1/health HTTP/1.1\nHost: x\n\n',
      'BREW /v1/health HTTP/1.1\r\nHost: x\r\n\r\n',
      '\u0000\u0001\u0002\r\n\r\n',
      'GET /v1/health HTTP/1.1\r\nHost: x\r\n Folded: header\r\n\r\n',
    ];
    for (const text of raw) {
      const answer = await new Promise<string>((resolve) => {
        const socket = net.connect(Number(base.port), base.hostname);
        let got = '';
        socket.setTimeout(3000, () => socket.destroy());
        socket.on('data', (c) => {
          got += c.toString('latin1');
        });
        socket.on('close', () => resolve(got));
        socket.on('error', () => resolve(got));
        socket.write(Buffer.from(text, 'latin1'));
        // Half-close so an incomplete request ends instead of waiting for more bytes.
        setTimeout(() => socket.end(), 300);
      });
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0);
      assert.ok(status === 0 || status < 500, `${JSON.stringify(text.slice(0, 60))} → ${answer.slice(0, 80)}`);
      assert.ok(!/^set-cookie:/im.test(answer), 'Set-Cookie');
      if (status >= 400) {
        const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
        const parsed = JSON.parse(body.slice(0, body.lastIndexOf('}') + 1) || 'null') as {
          error?: { code?: string; message?: string };
        } | null;
        assert.match(parsed?.error?.code ?? '', SNAKE, `${JSON.stringify(text.slice(0, 60))} → ${JSON.stringify(answer.slice(0, 300))}`);
        assert.ok(parsed?.error?.message, 'error message');
      }
      await health(base);
    }
  });

  it('the data made before the fuzz is intact, and a valid code still works', async () => {
    assert.deepEqual((await call(h, 'GET', `/v1/consultations/${preserved.id}`, { auth: h.keys.globex })).body, preserved.consultation);
    // The fuzz may create consultations with the other tenant's key (it is a valid credential), never alter this one.
    const listed = (await call<{ items: { id: string }[] }>(h, 'GET', '/v1/consultations?limit=100', { auth: h.keys.globex })).body.items;
    assert.deepEqual(
      listed.find((c) => c.id === preserved.id),
      preserved.consultation,
    );
    // The waiting patient's ticket still works and they are still first in the queue.
    const grant = await call(h, 'POST', '/v1/lobby/grant', { auth: preserved.ticket, body: {} });
    assert.equal(grant.status, 403, JSON.stringify(grant.body));
    // Past the failed-code lockout window (the fuzz sent many wrong codes from this address):
    skew += 16 * 60_000;
    const joined = await call(h, 'POST', '/v1/lobby/join', { body: { code: preserved.code, name: 'After Fuzz' } });
    assert.equal(joined.status, 201, JSON.stringify(joined.body));
    assert.deepEqual((joined.body as { consultation: unknown }).consultation, {
      id: preserved.id,
      title: 'Before the fuzz',
      locale: 'en',
      e2ee: true,
    });
  });
});
