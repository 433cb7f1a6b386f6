/**
 * The contract test: requests generated (fast-check) from the OpenAPI document the server itself serves.
 * - A request valid by the document is never refused as invalid (no 400), and its answer's status is one the
 *   document lists for that operation.
 * - A request the document calls invalid (an unknown field, a wrong type, a missing required field, a value out of
 *   range) is refused with 400, which the document lists too.
 * - A method a path does not have answers 405 with an `Allow` header naming the ones it has.
 * Each property runs FC_RUNS times (default 25) per operation; FC_SEED reproduces a failure.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { sha256 } from './helpers.js';
import { startLocalApp, type LocalApp } from './local-app.js';

type Schema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  items?: Schema;
  maxItems?: number;
  minItems?: number;
};
interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: Schema }> };
  responses: Record<string, unknown>;
  security: Record<string, unknown>[];
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
}

const RUNS = Number(process.env.FC_RUNS ?? 25);
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;

/** Values valid by a JSON Schema (the subset zod emits). */
function valid(schema: Schema): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map(valid));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const props = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const arbs = Object.fromEntries(Object.entries(props).map(([k, s]) => [k, valid(s)]));
      return fc.record(arbs, { requiredKeys: Object.keys(props).filter((k) => required.has(k)) });
    }
    case 'string': {
      if (schema.pattern) {
        const min = schema.minLength ?? 0;
        const max = schema.maxLength ?? Infinity;
        return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= min && s.length <= max);
      }
      if (schema.format === 'date-time')
        return fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }).map((d) => d.toISOString());
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 50, 300), unit: 'grapheme' });
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(valid(schema.items ?? {}), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, 3)),
      });
    default:
      return fc.constant(null);
  }
}

/** One value that breaks the schema, by construction; undefined when this generator knows none. */
function invalidValue(schema: Schema): fc.Arbitrary<unknown> | undefined {
  const options: fc.Arbitrary<unknown>[] = [];
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.every((a) => a.type === 'object' && a.additionalProperties === false)) {
    // Both of two exclusive shapes at once (e.g. a delivery by e-mail *and* SMS): no alternative allows it.
    options.push(fc.tuple(...alternatives.map(valid)).map((vs) => Object.assign({}, ...vs) as unknown));
  } else if (alternatives?.every((a) => a.type === 'string')) {
    options.push(fc.constantFrom(12, true, 'not valid at all'));
  }
  const type = Array.isArray(schema.type) ? undefined : schema.type;
  if (schema.enum) options.push(fc.constant('not-one-of-them'));
  if (type === 'string' || schema.enum) options.push(fc.constantFrom(12, true, null, { a: 1 }, ['x']));
  if (type === 'string' && schema.maxLength !== undefined) options.push(fc.constant('x'.repeat(schema.maxLength + 1)));
  if (type === 'string' && (schema.minLength ?? 0) > 0) options.push(fc.constant(''));
  if (type === 'integer' || type === 'number') {
    options.push(fc.constantFrom('7', null, true, [1]));
    if (type === 'integer') options.push(fc.constant(2.5));
    if (schema.maximum !== undefined) options.push(fc.integer({ min: schema.maximum + 1, max: schema.maximum + 1e6 }));
    if (schema.minimum !== undefined) options.push(fc.integer({ min: schema.minimum - 1e6, max: schema.minimum - 1 }));
  }
  if (type === 'boolean') options.push(fc.constantFrom('true', 1, null));
  if (type === 'object') options.push(fc.constantFrom('x', 3, null, [1]));
  return options.length ? fc.oneof(...options) : undefined;
}

/** A body the schema refuses: a valid one with one thing broken (unknown key, bad field, missing required field). */
function invalid(schema: Schema): fc.Arbitrary<unknown> {
  const props = schema.properties ?? {};
  const breakers: fc.Arbitrary<unknown>[] = [fc.constantFrom('x', 3, null, [1], true)];
  const base = valid(schema).map((v) => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {}));
  if (schema.additionalProperties === false) {
    breakers.push(
      fc
        .tuple(
          base,
          fc.stringMatching(/^[a-z][A-Za-z]{0,11}$/).filter((k) => !(k in props)),
        )
        .map(([v, k]) => ({ ...v, [k]: 1 })),
    );
  }
  for (const [name, sub] of Object.entries(props)) {
    const bad = invalidValue(sub);
    if (bad) breakers.push(fc.tuple(base, bad).map(([v, b]) => ({ ...v, [name]: b })));
  }
  for (const name of schema.required ?? []) {
    breakers.push(base.map((v) => Object.fromEntries(Object.entries(v).filter(([k]) => k !== name))));
  }
  return fc.oneof(...breakers);
}

/** fast-check keeps the failed assertion as `cause`, which the test runner does not print: put it in the message. */
async function check<T>(property: fc.IAsyncProperty<T>): Promise<void> {
  try {
    await fc.assert(property, { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) });
  } catch (err) {
    const cause = (err as Error).cause;
    throw new Error(`${(err as Error).message}\n${cause instanceof Error ? cause.message : ''}`, { cause: err });
  }
}

function queryAccepts(schema: Schema, value: string): boolean {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return alternatives.some((a) => queryAccepts(a, value));
  if (schema.enum) return schema.enum.includes(value);
  if (schema.type === 'integer') {
    const n = Number(value);
    return /^-?\d+$/.test(value) && n >= (schema.minimum ?? -Infinity) && n <= (schema.maximum ?? Infinity);
  }
  if (schema.pattern) return new RegExp(schema.pattern).test(value);
  return true;
}

function queryString(values: Record<string, unknown>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

describe('the OpenAPI contract, property-based', () => {
  let app: LocalApp;
  let doc: Doc;
  // Generated codes are wrong codes: the per-client lockout (15 min, not configurable) would soon refuse the
  // fixtures' own joins. Each fixture moves the server's clock past it instead.
  let offset = 0;
  const adminKey = `admin_${randomBytes(16).toString('hex')}`;
  before(async () => {
    app = await startLocalApp(
      {
        rateLimits: { lobbyPerMinute: 1_000_000, practitionerPerMinute: 1_000_000, integratorPerMinute: 1_000_000 },
        codeGuessBudget: { failuresPerWindow: 1_000_000 },
        admin: { apiKeySha256: [sha256(adminKey)] },
      },
      { now: () => Date.now() + offset },
    );
    doc = (await (await fetch(`${app.base}/v1/openapi.json`)).json()) as Doc;
    // The admin operations act on a tenant of their own: rotating acme's key would lock the fixtures out.
    await post('/v1/admin/tenants', adminKey, { id: 'admin-target', name: 'Admin target' });
  });
  after(() => app?.stop());

  const post = async (path: string, auth: string, body: unknown): Promise<Record<string, string>> => {
    const res = await fetch(`${app.base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.ok(res.ok, `${path}: ${res.status}`);
    return (await res.json()) as Record<string, string>;
  };

  /** Fresh credentials for one request: a consultation, a practitioner token and a waiting patient's ticket. */
  async function fixture(): Promise<{ id: string; tenant: string; practitioner: string; ticket: string }> {
    offset += 16 * 60_000;
    const tenant = app.keys.acme;
    const { id } = await post('/v1/consultations', tenant, {});
    const { code } = await post(`/v1/consultations/${id}/access-codes`, tenant, {});
    const { token } = await post(`/v1/consultations/${id}/practitioner-tokens`, tenant, { name: 'Dr. Contract' });
    const { ticket } = await post('/v1/lobby/join', '', { code, name: 'Pat' });
    return { id: id!, tenant, practitioner: token!, ticket: ticket! };
  }

  function credential(op: Operation, f: Awaited<ReturnType<typeof fixture>>): string | undefined {
    const scheme = Object.keys(op.security[0] ?? {})[0];
    return scheme === 'adminApiKey'
      ? adminKey
      : scheme === 'tenantApiKey'
        ? f.tenant
        : scheme === 'practitionerToken'
          ? f.practitioner
          : scheme === 'lobbyTicket'
            ? f.ticket
            : undefined;
  }

  /** Operations whose requests are JSON (or nothing): streams, raw uploads and the SFU's signed webhook are left to their own tests. */
  function operations(): [string, string, Operation][] {
    const out: [string, string, Operation][] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const streams = Object.values(op.responses).some((r) => JSON.stringify(r).includes('text/event-stream'));
        const raw = op.requestBody && !op.requestBody.content['application/json'];
        const sfu = op.security.some((s) => 'livekitWebhook' in s || 'livekitGrant' in s);
        if (!streams && !raw && !sfu) out.push([path, method, op]);
      }
    }
    return out;
  }

  async function send(path: string, method: string, op: Operation, body: unknown, query: Record<string, unknown>, omitBody = false) {
    const f = await fixture();
    const url = path.replace('{id}', encodeURIComponent(f.id)).replace('{tenantId}', 'admin-target') + queryString(query);
    const auth = credential(op, f);
    const headers: Record<string, string> = { ...(auth ? { authorization: `Bearer ${auth}` } : {}) };
    const hasBody = method !== 'get' && !omitBody;
    if (hasBody) headers['content-type'] = 'application/json';
    if (process.env.FC_TRACE) console.error(`  ${method} ${url} ${JSON.stringify(body)}`);
    const res = await fetch(`${app.base}${url}`, {
      method: method.toUpperCase(),
      headers,
      ...(hasBody ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, text };
  }

  function parts(op: Operation): { body: Schema | undefined; query: Parameter[] } {
    return { body: op.requestBody?.content['application/json']?.schema, query: (op.parameters ?? []).filter((p) => p.in === 'query') };
  }

  it('covers the integrator, patient and practitioner operations', () => {
    const names = operations().map(([p, m]) => `${m} ${p}`);
    for (const expected of [
      'post /v1/consultations',
      'get /v1/consultations',
      'post /v1/consultations/{id}/access-codes',
      'post /v1/lobby/join',
      'post /v1/practitioner/admit',
    ]) {
      assert.ok(names.includes(expected), expected);
    }
  });

  it('accepts every schema-valid request, or refuses it with a status the document lists (never 400)', async () => {
    for (const [path, method, op] of operations()) {
      const { body, query } = parts(op);
      const queryArb = fc.record(Object.fromEntries(query.map((p) => [p.name, valid(p.schema)])), {
        requiredKeys: query.filter((p) => p.required).map((p) => p.name),
      });
      const bodyArb = body ? valid(body) : fc.constant(undefined);
      // A body the document does not require may be left out entirely.
      const omitArb = op.requestBody?.required ? fc.constant(false) : fc.boolean();
      await check(
        fc.asyncProperty(bodyArb, queryArb, omitArb, async (b, q, omit) => {
          const res = await send(path, method, op, b ?? {}, q, omit || b === undefined);
          assert.ok(
            String(res.status) in op.responses,
            `${method} ${path} answered ${res.status}, which the document does not list: ${res.text}`,
          );
          assert.notEqual(res.status, 400, `${method} ${path} refused a schema-valid request: ${res.text}`);
        }),
      );
    }
  });

  it('refuses every schema-invalid request with 400, which the document lists', async () => {
    for (const [path, method, op] of operations()) {
      const { body, query } = parts(op);
      const cases: fc.Arbitrary<{ body: unknown; query: Record<string, unknown>; omit: boolean }>[] = [];
      const validQuery = fc.record(Object.fromEntries(query.filter((p) => p.required).map((p) => [p.name, valid(p.schema)])));
      if (body) {
        cases.push(fc.tuple(invalid(body), validQuery).map(([b, q]) => ({ body: b, query: q, omit: false })));
        if (op.requestBody?.required) cases.push(validQuery.map((q) => ({ body: undefined, query: q, omit: true })));
      }
      for (const p of query) {
        // In a query everything is text: "7" is how an integer 7 is written, so it is not an invalid value there.
        const bad = invalidValue(p.schema)?.filter((v) => typeof v !== 'object' && !queryAccepts(p.schema, String(v)));
        if (bad)
          cases.push(fc.tuple(validQuery, bad).map(([q, v]) => ({ body: {}, query: { ...q, [p.name]: v }, omit: method === 'get' })));
      }
      if (query.length || method === 'get') {
        cases.push(
          fc
            .tuple(
              validQuery,
              fc.stringMatching(/^[a-z]{1,12}$/).filter((k) => !query.some((p) => p.name === k)),
            )
            .map(([q, k]) => ({ body: {}, query: { ...q, [k]: '1' }, omit: true })),
        );
      }
      if (!cases.length) continue;
      if (process.env.FC_TRACE) console.error(`invalid: ${method} ${path}`);
      await check(
        fc.asyncProperty(fc.oneof(...cases), async (c) => {
          const res = await send(path, method, op, c.body, c.query, c.omit);
          assert.equal(res.status, 400, `${method} ${path} with ${JSON.stringify(c)} answered ${res.status}: ${res.text}`);
          assert.ok('400' in op.responses, `${method} ${path}: 400 is not documented`);
        }),
      );
    }
  });

  it('answers a method a path does not have with 405 and Allow', async () => {
    const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
    for (const [path, ops] of Object.entries(doc.paths)) {
      const declared = Object.keys(ops).map((m) => m.toUpperCase());
      const url = `${app.base}${path.replace(/\{[^}]+\}/g, 'x')}`;
      for (const method of methods.filter((m) => !declared.includes(m))) {
        const res = await fetch(url, { method });
        assert.equal(res.status, 405, `${method} ${path}`);
        const allow = (res.headers.get('allow') ?? '').split(/,\s*/);
        for (const m of declared) assert.ok(allow.includes(m), `${method} ${path}: Allow lists ${m}`);
        if (declared.includes('GET')) assert.ok(allow.includes('HEAD'));
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'method_not_allowed');
      }
    }
  });
});
