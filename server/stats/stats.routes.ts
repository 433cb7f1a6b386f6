import { authenticateTenant } from '../auth.js';
import type { AppContext } from '../context.js';
import { tenantErrors } from '../openapi.js';
import type { RouteRegistry } from '../routing.js';
import { auditResponse, periodQuery, statsResponse } from './stats.schema.js';
import type { z } from 'zod';

const DAY_MS = 86_400_000;

function period(ctx: AppContext, q: z.output<typeof periodQuery>): { from: number; to: number } {
  const to = q.to ? Date.parse(q.to) : ctx.now() + 1;
  const from = q.from ? Date.parse(q.from) : to - 30 * DAY_MS;
  return { from, to };
}

/** Anonymous per-tenant statistics and the audit log (integrator API). */
export function statsRoutes(routes: RouteRegistry, ctx: AppContext): void {
  const iso = (ms: number): string => new Date(ms).toISOString();

  routes.add(
    {
      method: 'get',
      path: '/v1/stats',
      summary: 'Anonymous session statistics for a period',
      auth: 'tenant',
      tags: ['integrator'],
      query: periodQuery,
      responses: { 200: { description: 'Sessions and totals', schema: statsResponse }, ...tenantErrors },
    },
    async (req, res, input) => {
      const tenant = authenticateTenant(ctx.config, req);
      const { from, to } = period(ctx, input.query());
      const rows = await ctx.store.listStats(tenant.id, from, to);
      const ratings = await ctx.store.countRatings(tenant.id, from, to);
      const sessions = rows.map((r) => ({
        ...(r.startedAt !== null ? { startedAt: iso(r.startedAt) } : {}),
        endedAt: iso(r.endedAt),
        ...(r.durationSeconds !== null ? { durationSeconds: r.durationSeconds } : {}),
        participantCount: r.participantCount,
        osFamilies: r.osFamilies,
      }));
      res.json({
        sessions,
        totals: {
          sessions: rows.length,
          durationSeconds: rows.reduce((sum, r) => sum + (r.durationSeconds ?? 0), 0),
          participants: rows.reduce((sum, r) => sum + r.participantCount, 0),
        },
        ratings,
      });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/v1/audit',
      summary: 'Audit log of integrator and practitioner actions',
      auth: 'tenant',
      tags: ['integrator'],
      query: periodQuery,
      responses: { 200: { description: 'Audit entries, oldest first', schema: auditResponse }, ...tenantErrors },
    },
    async (req, res, input) => {
      const tenant = authenticateTenant(ctx.config, req);
      const { from, to } = period(ctx, input.query());
      res.json({
        items: (await ctx.store.listAudit(tenant.id, from, to)).map((a) => ({
          at: iso(a.at),
          actor: a.actor,
          action: a.action,
          ...(a.consultationId ? { consultationId: a.consultationId } : {}),
        })),
      });
    },
  );
}
