import { z } from 'zod';
import { authenticateTenant } from '../auth.js';
import type { TenantConfig } from '../config.js';
import type { AppContext } from '../context.js';
import type { RouteRegistry } from '../routing.js';
import { errorBody, tenantErrors } from '../openapi.js';
import {
  accessCode,
  consultation,
  consultationList,
  createAccessCodeBody,
  createConsultationBody,
  createPractitionerTokenBody,
  listConsultationsQuery,
  practitionerToken,
} from './consultations.schema.js';
import { ConsultationService, toConsultation } from './consultations.service.js';

/** POST endpoints without parameters still refuse unknown fields (a client for another version). */
const emptyBody = z.strictObject({});

/** The integrator API: server-to-server, tenant API key, no CORS. */
export function consultationRoutes(
  routes: RouteRegistry,
  ctx: AppContext,
  service: ConsultationService,
  /** Refuses a practiceId the tenant does not have (server/practice/). */
  requirePractice: (tenant: TenantConfig, practiceId: string) => Promise<void>,
): void {
  const tags = ['integrator'];

  routes.add(
    {
      method: 'post',
      path: '/v1/consultations',
      summary: 'Create a consultation and its SFU room',
      auth: 'tenant',
      tags,
      body: createConsultationBody,
      responses: {
        201: { description: 'Created', schema: consultation },
        ...tenantErrors,
        404: { description: 'No such practice (`practice_not_found`)', schema: errorBody },
        502: { description: 'SFU unreachable', schema: errorBody },
      },
    },
    async (req, res, input) => {
      const tenant = authenticateTenant(ctx.config, req);
      const body = input.body();
      if (body.practiceId) await requirePractice(tenant, body.practiceId);
      res.status(201).json(toConsultation(await service.create(tenant, body)));
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/v1/consultations',
      summary: 'List consultations, newest first',
      auth: 'tenant',
      tags,
      query: listConsultationsQuery,
      responses: { 200: { description: 'A page of consultations', schema: consultationList }, ...tenantErrors },
    },
    async (req, res, input) => {
      const tenant = authenticateTenant(ctx.config, req);
      const page = await service.list(tenant, input.query());
      res.json({ items: page.items.map(toConsultation), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
    },
  );

  const notFound = { 404: { description: "No such consultation (or another tenant's)", schema: errorBody } };

  routes.add(
    {
      method: 'get',
      path: '/v1/consultations/:id',
      summary: 'Read a consultation',
      auth: 'tenant',
      tags,
      responses: { 200: { description: 'The consultation', schema: consultation }, ...tenantErrors, ...notFound },
    },
    async (req, res) => {
      const tenant = authenticateTenant(ctx.config, req);
      const id = String(req.params.id);
      res.json(toConsultation(await service.get(tenant, id)));
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/v1/consultations/:id/end',
      summary: 'End a consultation for everyone',
      auth: 'tenant',
      tags,
      body: emptyBody,
      responses: { 200: { description: 'Ended', schema: consultation }, ...tenantErrors, ...notFound },
    },
    async (req, res, input) => {
      const tenant = authenticateTenant(ctx.config, req);
      const id = String(req.params.id);
      input.body();
      res.json(toConsultation(await service.end(await service.get(tenant, id), 'integrator')));
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/v1/consultations/:id/access-codes',
      summary: 'Issue a one-session access code (shown once)',
      auth: 'tenant',
      tags,
      body: createAccessCodeBody,
      responses: {
        201: { description: 'The code, shown once', schema: accessCode },
        ...tenantErrors,
        ...notFound,
        409: { description: 'The consultation has ended, or has too many unused codes', schema: errorBody },
        501: { description: 'No e-mail or SMS delivery configured', schema: errorBody },
        502: { description: 'Delivery failed', schema: errorBody },
      },
    },
    async (req, res, input) => {
      const tenant = authenticateTenant(ctx.config, req);
      const id = String(req.params.id);
      const options = input.body();
      res
        .status(201)
        .set('Cache-Control', 'no-store')
        .json(await service.issueAccessCode(tenant, await service.get(tenant, id), options));
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/v1/consultations/:id/practitioner-tokens',
      summary: 'Mint a practitioner token for one consultation',
      auth: 'tenant',
      tags,
      body: createPractitionerTokenBody,
      responses: {
        201: { description: 'The token', schema: practitionerToken },
        ...tenantErrors,
        ...notFound,
        409: { description: 'The consultation has ended', schema: errorBody },
      },
    },
    async (req, res, input) => {
      const tenant = authenticateTenant(ctx.config, req);
      const id = String(req.params.id);
      const options = input.body();
      res
        .status(201)
        .set('Cache-Control', 'no-store')
        .json(await service.issuePractitionerToken(tenant, await service.get(tenant, id), options));
    },
  );
}
