import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, createConsultation, issueCode, joinLobby, practitionerToken, startHarness, type Harness } from './helpers.js';

interface RouteLayer {
  name?: string;
  route?: { path: string; methods: Record<string, boolean>; stack?: { name?: string }[] };
  handle?: { stack?: RouteLayer[] };
}

/** Route layers of the app, including those of routers mounted without a path prefix. */
function routeLayers(stack: RouteLayer[]): RouteLayer[] {
  return stack.flatMap((layer) => (layer.route ? [layer] : layer.handle?.stack ? routeLayers(layer.handle.stack) : []));
}

type Operation = {
  requestBody?: { content: { 'application/json'?: { schema: { additionalProperties?: unknown; properties?: Record<string, unknown> } } } };
  parameters?: { name: string; in: string }[];
  security: unknown[];
};

describe('OpenAPI document', () => {
  let h: Harness;
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>> };
  before(async () => {
    h = await startHarness({ withUploads: true });
    const res = await call<typeof doc>(h, 'GET', '/v1/openapi.json');
    assert.equal(res.status, 200);
    doc = res.body;
  });
  after(async () => {
    await h?.stop();
  });

  it('is OpenAPI 3.1', () => {
    assert.equal(doc.openapi, '3.1.0');
  });

  it('describes every route the Express app serves, and nothing it does not', () => {
    const stack = (h.server.app as unknown as { router: { stack: RouteLayer[] } }).router.stack;
    const served = new Set<string>();
    for (const layer of routeLayers(stack)) {
      // The catch-all that answers 405 for the methods a path does not have is not a route of its own.
      if (!layer.route || layer.route.stack?.every((l) => l.name === 'methodNotAllowed')) continue;
      for (const method of Object.keys(layer.route.methods)) served.add(`${method} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
    }
    assert.ok(served.size >= 20, `only ${served.size} routes found: is the stack walk broken?`);
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)));
    assert.deepEqual(
      [...served].filter((r) => !documented.has(r)),
      [],
      'served but not documented',
    );
    assert.deepEqual(
      [...documented].filter((r) => !served.has(r)),
      [],
      'documented but not served',
    );
    for (const expected of [
      'post /v1/consultations',
      'post /v1/lobby/join',
      'get /v1/lobby/events',
      'post /v1/practitioner/grant',
      'post /v1/webhooks/livekit',
      'get /v1/stats',
      'post /v1/rooms/{room}/uploads',
    ]) {
      assert.ok(served.has(expected), expected);
    }
  });

  it('every JSON body schema refuses unknown fields, and so does the server', async () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const schema = op.requestBody?.content['application/json']?.schema;
        if (schema) assert.equal(schema.additionalProperties, false, `${method} ${path}`);
      }
    }
    const id = await createConsultation(h, h.keys.acme);
    const op = doc.paths['/v1/consultations/{id}/access-codes']!.post!;
    assert.ok(!('smuggled' in (op.requestBody!.content['application/json']!.schema.properties ?? {})));
    const res = await call(h, 'POST', `/v1/consultations/${id}/access-codes`, { auth: h.keys.acme, body: { smuggled: 1 } });
    assert.equal(res.status, 400);
  });

  it('the server refuses, as 400 invalid_request, a body with a field the document does not allow, on every JSON operation', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const pt = await practitionerToken(h, h.keys.acme, id);
    const patient = await joinLobby(h, await issueCode(h, h.keys.acme, id));
    const credentials: Record<string, string | undefined> = {
      tenantApiKey: h.keys.acme,
      practitionerToken: pt,
      lobbyTicket: patient.ticket,
    };
    let checked = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!op.requestBody?.content['application/json']) continue;
        const scheme = Object.keys((op.security[0] as Record<string, unknown> | undefined) ?? {})[0];
        // The admin API is closed without config.admin; contract.test.ts covers it with an admin key.
        if (scheme === 'adminApiKey') continue;
        const res = await call<{ error: { code: string; message: string } }>(h, method.toUpperCase(), path.replace('{id}', id), {
          auth: scheme ? credentials[scheme] : undefined,
          body: { notInTheSpec: true },
        });
        assert.equal(res.status, 400, `${method} ${path}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, 'invalid_request');
        assert.match(res.body.error.message, /notInTheSpec/);
        checked++;
      }
    }
    assert.ok(checked >= 12, `only ${checked} operations checked`);
  });

  it('documents query parameters and the authentication of each operation', () => {
    const list = doc.paths['/v1/consultations']!.get!;
    assert.deepEqual(list.parameters?.map((p) => p.name).sort(), ['cursor', 'limit', 'status']);
    assert.deepEqual(list.security, [{ tenantApiKey: [] }]);
    assert.deepEqual(doc.paths['/v1/lobby/join']!.post!.security, []);
    assert.deepEqual(doc.paths['/v1/lobby/events']!.get!.security, [{ lobbyTicket: [] }]);
    assert.deepEqual(doc.paths['/v1/practitioner/admit']!.post!.security, [{ practitionerToken: [] }]);
  });
});
