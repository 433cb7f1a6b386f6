import { z } from 'zod';

const instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

export const periodQuery = z.strictObject({
  /** Inclusive; defaults to 30 days before `to`. */
  from: instant.optional(),
  /** Exclusive; defaults to now. */
  to: instant.optional(),
});

export const sessionStats = z.object({
  startedAt: z.string().optional(),
  endedAt: z.string(),
  durationSeconds: z.int().optional(),
  participantCount: z.int(),
  osFamilies: z.record(z.string(), z.int()),
});

export const statsResponse = z.object({
  sessions: z.array(sessionStats),
  totals: z.object({ sessions: z.int(), durationSeconds: z.int(), participants: z.int() }),
  /** Patients' one-tap connection ratings in the period (by UTC day), anonymous: counts only. */
  ratings: z.object({ good: z.int(), fair: z.int(), poor: z.int() }),
});

export const auditEntry = z.object({
  at: z.string(),
  actor: z.enum(['integrator', 'practitioner', 'patient', 'sfu', 'system']),
  action: z.string(),
  consultationId: z.string().optional(),
});

export const auditResponse = z.object({ items: z.array(auditEntry) });
