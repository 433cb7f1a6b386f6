import { z } from 'zod';

/**
 * The events sent to integrators' webhook endpoints. Payloads carry ids, never a patient's typed name,
 * contact details or call content: the alias is what the integrator itself chose when issuing the code.
 * Every payload is `{ type, timestamp, data }` (the Standard Webhooks convention).
 */
const consultationRef = { consultationId: z.string() };
const ticketRef = { consultationId: z.string(), ticketId: z.string() };

export const webhookEventData = {
  'consultation.created': z.object({ ...consultationRef, scheduledAt: z.string().optional(), practiceId: z.string().optional() }),
  'consultation.started': z.object({ ...consultationRef, startedAt: z.string() }),
  'consultation.ended': z.object({
    ...consultationRef,
    endedAt: z.string(),
    by: z.enum(['integrator', 'practitioner', 'sfu', 'system']),
  }),
  'patient.waiting': z.object({
    ...ticketRef,
    alias: z.string().optional(),
    /** The device check's overall verdict, when the patient ran one. */
    deviceVerdict: z.enum(['ok', 'warning', 'failed']).optional(),
  }),
  'patient.admitted': z.object(ticketRef),
  'patient.declined': z.object(ticketRef),
  'patient.left': z.object({
    ...ticketRef,
    /** `left`: the patient (or their page, on purpose) left; `page_closed`: their page closed and did not come back in time. */
    reason: z.enum(['left', 'page_closed']),
  }),
  'patient.transferred': z.object({
    ticketId: z.string(),
    fromConsultationId: z.string(),
    toConsultationId: z.string(),
    practiceId: z.string(),
  }),
} as const;

export type WebhookEventType = keyof typeof webhookEventData;
export const webhookEventTypes = Object.keys(webhookEventData) as WebhookEventType[];
export type WebhookEventDataOf<T extends WebhookEventType> = z.infer<(typeof webhookEventData)[T]>;

export const webhookEventSummaries: Record<WebhookEventType, string> = {
  'consultation.created': 'A consultation was created',
  'consultation.started': 'The first participant joined the call',
  'consultation.ended': 'The consultation ended (by the integrator, a practitioner, the SFU or the sweeper)',
  'patient.waiting': 'A patient redeemed an access code and waits in the lobby',
  'patient.admitted': 'A practitioner admitted a waiting patient',
  'patient.declined': 'A practitioner declined a waiting patient (or removed an admitted one)',
  'patient.left': 'A patient left the waiting room or the call, or their waiting page closed and did not come back',
  'patient.transferred': 'A patient was moved to another consultation of the same practice',
};

/** The envelope of one event as delivered; `webhook-id` carries the event id. */
export function webhookEnvelope<T extends WebhookEventType>(type: T, data: z.ZodType) {
  return z.object({ type: z.literal(type), timestamp: z.string(), data });
}

export type WebhookEvent = { [T in WebhookEventType]: { type: T; timestamp: string; data: WebhookEventDataOf<T> } }[WebhookEventType];
