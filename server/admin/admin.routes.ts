import type { Request } from 'express';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import { hexEqual, randomId, sha256Hex } from '../crypto.js';
import { ApiError } from '../errors.js';
import { bearer, body, parse } from '../http.js';
import { errorBody } from '../openapi.js';
import type { OutboxStore, WebhookEndpointRow } from '../outbox/outbox.js';
import { emptyBody, emptyObject } from '../lobby/lobby.schema.js';
import { isConfigEndpoint } from '../outbox/seed-endpoints.js';
import { newWebhookSecret } from '../outbox/signing.js';
import type { RouteRegistry } from '../routing.js';
import {
  allowedOriginsBody,
  UNUSABLE_HOST,
  createdEndpoint,
  createdTenant,
  createEndpointBody,
  createPracticeBody,
  createTenantBody,
  endpointList,
  endpointView,
  practice,
  practiceList,
  replaceEndpointBody,
  rotatedKey,
  rotateKeyBody,
  tenantList,
  tenantView,
} from './admin.schema.js';
import type { TenantDirectory } from './tenant-directory.js';
import type { PracticeRecord, TenantRecord, TenantStore } from './tenants.js';

export interface AdminDeps {
  config: Config;
  tenants: TenantStore;
  directory: TenantDirectory;
  outbox: OutboxStore;
  now: () => number;
}

/** The admin credential is its own (config.admin), never a tenant key; without it the admin API is closed. */
function authenticateAdmin(config: Config, req: Request): void {
  const key = bearer(req);
  const hash = key ? sha256Hex(key) : '';
  const hashes = config.admin?.apiKeySha256 ?? [];
  let ok = false;
  for (const candidate of hashes) if (hexEqual(hash, candidate)) ok = true;
  if (!ok)
    throw new ApiError(401, 'unauthorized', 'Send the admin API key as "Authorization: Bearer <key>".', { 'WWW-Authenticate': 'Bearer' });
}

const iso = (ms: number): string => new Date(ms).toISOString();
const newApiKey = (tenantId: string): string => `vk_${tenantId}_${randomBytes(24).toString('base64url')}`;

function view(t: TenantRecord) {
  return {
    id: t.id,
    name: t.name,
    allowedOrigins: t.allowedOrigins,
    createdAt: iso(t.createdAt),
    apiKeys: t.apiKeys.map((k) => ({ createdAt: iso(k.createdAt), ...(k.expiresAt !== null ? { expiresAt: iso(k.expiresAt) } : {}) })),
  };
}

const endpointOut = (e: WebhookEndpointRow) => ({
  id: e.id,
  url: e.url,
  createdAt: iso(e.createdAt),
  ...(e.disabledAt !== null ? { disabledAt: iso(e.disabledAt) } : {}),
  ...(e.disabledReason !== null ? { disabledReason: e.disabledReason } : {}),
});

const practiceOut = (p: PracticeRecord) => ({ id: p.id, name: p.name, createdAt: iso(p.createdAt) });

/** Tenant administration without restarts. Every change is in the store and reaches every instance. */
export function adminRoutes(routes: RouteRegistry, deps: AdminDeps): void {
  const { config, tenants, directory, outbox, now } = deps;
  const tags = ['admin'];
  const errors = { 401: { description: 'Missing or wrong admin key', schema: errorBody } };
  const notFound = { 404: { description: 'No such tenant', schema: errorBody } };
  const unusableHost = { 422: { description: UNUSABLE_HOST, schema: errorBody } };
  const tenantOf = async (req: Request): Promise<TenantRecord> => {
    const id = String(req.params.tenantId);
    const found = (await tenants.listTenants()).find((t) => t.id === id);
    if (!found) throw new ApiError(404, 'tenant_not_found', 'There is no such tenant.');
    return found;
  };

  routes.add(
    {
      method: 'post',
      path: '/v1/admin/tenants',
      summary: 'Create a tenant and its first API key (shown once)',
      auth: 'admin',
      tags,
      body: createTenantBody,
      responses: {
        201: { description: 'Created', schema: createdTenant },
        ...errors,
        409: { description: 'The id is taken', schema: errorBody },
        ...unusableHost,
      },
    },
    async (req, res) => {
      authenticateAdmin(config, req);
      const input = parse(createTenantBody, body(req), 'body');
      const apiKey = newApiKey(input.id);
      const created = await tenants.createTenant(
        { id: input.id, name: input.name, allowedOrigins: input.allowedOrigins, createdAt: now() },
        sha256Hex(apiKey),
      );
      if (!created) throw new ApiError(409, 'tenant_exists', 'A tenant with this id exists.');
      await directory.changed();
      const tenant = (await tenants.listTenants()).find((t) => t.id === input.id)!;
      res.status(201).json({ tenant: view(tenant), apiKey });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/v1/admin/tenants',
      summary: 'List the tenants',
      auth: 'admin',
      tags,
      responses: { 200: { description: 'Tenants', schema: tenantList }, ...errors },
    },
    async (req, res) => {
      authenticateAdmin(config, req);
      res.json({ items: (await tenants.listTenants()).map(view) });
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/v1/admin/tenants/:tenantId/api-keys',
      summary: 'Rotate the API key: a new key now, the old ones valid for a grace period',
      auth: 'admin',
      tags,
      body: rotateKeyBody,
      responses: { 201: { description: 'The new key, shown once', schema: rotatedKey }, ...errors, ...notFound },
    },
    async (req, res) => {
      authenticateAdmin(config, req);
      const input = parse(rotateKeyBody, body(req), 'body');
      const tenant = await tenantOf(req);
      const apiKey = newApiKey(tenant.id);
      const at = now();
      await tenants.rotateApiKey(tenant.id, sha256Hex(apiKey), at, at + input.graceSeconds * 1000);
      await directory.changed();
      res
        .status(201)
        .set('Cache-Control', 'no-store')
        .json({ apiKey, previousKeysValidUntil: iso(at + input.graceSeconds * 1000) });
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/v1/admin/tenants/:tenantId/allowed-origins',
      summary: 'Replace the origins allowed to embed this tenant',
      auth: 'admin',
      tags,
      body: allowedOriginsBody,
      responses: { 200: { description: 'The tenant', schema: tenantView }, ...errors, ...notFound, ...unusableHost },
    },
    async (req, res) => {
      authenticateAdmin(config, req);
      const input = parse(allowedOriginsBody, body(req), 'body');
      const tenant = await tenantOf(req);
      await tenants.setAllowedOrigins(tenant.id, input.origins);
      await directory.changed();
      res.json(view({ ...tenant, allowedOrigins: input.origins }));
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/v1/admin/tenants/:tenantId/practices',
      summary: 'Create a practice (groups consultations into one waiting room)',
      auth: 'admin',
      tags,
      body: createPracticeBody,
      responses: { 201: { description: 'Created', schema: practice }, ...errors, ...notFound },
    },
    async (req, res) => {
      authenticateAdmin(config, req);
      const input = parse(createPracticeBody, body(req), 'body');
      const tenant = await tenantOf(req);
      const row: PracticeRecord = { id: randomId('pr_', 9), tenantId: tenant.id, name: input.name, createdAt: now() };
      await tenants.createPractice(row);
      res.status(201).json(practiceOut(row));
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/v1/admin/tenants/:tenantId/practices',
      summary: "List a tenant's practices",
      auth: 'admin',
      tags,
      responses: { 200: { description: 'Practices', schema: practiceList }, ...errors, ...notFound },
    },
    async (req, res) => {
      authenticateAdmin(config, req);
      const tenant = await tenantOf(req);
      res.json({ items: (await tenants.listPractices(tenant.id)).map(practiceOut) });
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/v1/admin/tenants/:tenantId/webhook-endpoints',
      summary: 'Add a webhook endpoint (its secret is shown once)',
      auth: 'admin',
      tags,
      body: createEndpointBody,
      responses: { 201: { description: 'Created', schema: createdEndpoint }, ...errors, ...notFound, ...unusableHost },
    },
    async (req, res) => {
      authenticateAdmin(config, req);
      const input = parse(createEndpointBody, body(req), 'body');
      const tenant = await tenantOf(req);
      const secret = input.secrets ? undefined : newWebhookSecret();
      const row: WebhookEndpointRow = {
        id: randomId('ep_', 9),
        tenantId: tenant.id,
        url: input.url,
        secrets: input.secrets ?? [secret!],
        createdAt: now(),
        disabledAt: null,
        disabledReason: null,
      };
      await outbox.putWebhookEndpoint(row);
      res
        .status(201)
        .set('Cache-Control', 'no-store')
        .json({ ...endpointOut(row), ...(secret ? { secret } : {}) });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/v1/admin/tenants/:tenantId/webhook-endpoints',
      summary: "A tenant's webhook endpoints (without secrets)",
      auth: 'admin',
      tags,
      responses: { 200: { description: 'Endpoints', schema: endpointList }, ...errors, ...notFound },
    },
    async (req, res) => {
      authenticateAdmin(config, req);
      const tenant = await tenantOf(req);
      res.json({ items: (await outbox.listWebhookEndpoints(tenant.id)).map(endpointOut) });
    },
  );

  const endpointErrors = {
    ...errors,
    404: { description: 'No such tenant or endpoint', schema: errorBody },
    409: { description: 'The endpoint comes from the config file: change it there', schema: errorBody },
  };
  /** One of the tenant's endpoints that the admin API may change (not one the config file owns). */
  const endpointOf = async (req: Request): Promise<WebhookEndpointRow> => {
    const tenant = await tenantOf(req);
    const found = (await outbox.listWebhookEndpoints(tenant.id)).find((e) => e.id === String(req.params.endpointId));
    if (!found) throw new ApiError(404, 'endpoint_not_found', 'This tenant has no such webhook endpoint.');
    if (isConfigEndpoint(found.id))
      throw new ApiError(409, 'endpoint_from_config', 'This endpoint comes from the config file; change it there.');
    return found;
  };

  routes.add(
    {
      method: 'post',
      path: '/v1/admin/tenants/:tenantId/webhook-endpoints/:endpointId',
      summary: "Change an endpoint's URL or secrets (re-enables it); rotate with secrets [new, old]",
      auth: 'admin',
      tags,
      body: replaceEndpointBody,
      responses: { 200: { description: 'Changed', schema: endpointView }, ...endpointErrors, ...unusableHost },
    },
    async (req, res, input) => {
      authenticateAdmin(config, req);
      const { url, secrets } = input.body();
      const found = await endpointOf(req);
      const row: WebhookEndpointRow = {
        ...found,
        url: url ?? found.url,
        secrets: secrets ?? found.secrets,
        disabledAt: null,
        disabledReason: null,
      };
      await outbox.putWebhookEndpoint(row);
      res.json(endpointOut(row));
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/v1/admin/tenants/:tenantId/webhook-endpoints/:endpointId/remove',
      summary: 'Remove an endpoint and drop its pending deliveries',
      auth: 'admin',
      tags,
      body: emptyBody,
      responses: { 200: { description: 'Removed', schema: emptyObject }, ...endpointErrors },
    },
    async (req, res, input) => {
      authenticateAdmin(config, req);
      input.body();
      const found = await endpointOf(req);
      await outbox.deleteWebhookEndpoint(found.tenantId, found.id);
      res.json({});
    },
  );
}
