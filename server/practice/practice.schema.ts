import { z } from 'zod';
import { createPractitionerTokenBody } from '../consultations/consultations.schema.js';
import { deviceCheck } from '../lobby/lobby.schema.js';

const id = z.string().min(1).max(64);

/** A practice token is also the practitioner's token for their own consultation (their call, its queue). */
export const createPracticeTokenBody = createPractitionerTokenBody.extend({ consultationId: id });

export const transferBody = z.strictObject({ ticketId: id, toConsultationId: id });

export const practiceConsultation = z.object({ id: z.string(), title: z.string().optional(), status: z.enum(['scheduled', 'active']) });

export const practicePatient = z.object({
  ticketId: z.string(),
  name: z.string(),
  alias: z.string().optional(),
  /** The consultation this patient waits for (or is in). */
  consultationId: z.string(),
  status: z.enum(['waiting', 'admitted']),
  waitingSince: z.string(),
  deviceCheck: deviceCheck.optional(),
  /** Display name of the practitioner who admitted the patient. */
  takenBy: z.string().optional(),
});
export type PracticePatient = z.infer<typeof practicePatient>;

/** The data of the practice stream's `queue` event. */
export const practiceQueue = z.object({
  practiceId: z.string(),
  consultations: z.array(practiceConsultation),
  patients: z.array(practicePatient),
});
export type PracticeQueue = z.infer<typeof practiceQueue>;
