import { z } from 'zod';
import { displayName } from '../display-name.js';
import { text } from '../text.js';

const deviceState = z.enum(['ok', 'denied', 'missing', 'busy', 'skipped']);

const stepState = z.enum(['ok', 'failed', 'skipped']);

/** The real connection test against the SFU, one result per path a call can take (docs/http-api.md). */
export const connectionSteps = z.strictObject({
  websocket: stepState,
  udp: stepState,
  tcp: stepState,
  turn: stepState,
});

export const deviceCheck = z.strictObject({
  verdict: z.enum(['ok', 'warning', 'failed']),
  camera: deviceState,
  microphone: deviceState,
  network: z.enum(['ok', 'blocked', 'unknown']),
  connection: connectionSteps.optional(),
});

/** A short-lived grant for the connection test: a throwaway room, nothing to publish or subscribe to. */
export const connectionTestGrant = z.object({
  livekitUrl: z.string(),
  token: z.string(),
  expiresAt: z.string(),
});

export const joinBody = z.strictObject({
  code: z.string().min(1).max(64),
  name: displayName(80),
  deviceCheck: deviceCheck.optional(),
});

export const joinResponse = z.object({
  ticket: z.string(),
  ticketId: z.string(),
  /** Where browsers reach the SFU (config livekit.url): the patient's connection test runs against it. */
  livekitUrl: z.string(),
  consultation: z.object({ id: z.string(), title: z.string().optional(), locale: z.string(), e2ee: z.boolean() }),
});

export const admission = z.object({
  livekitUrl: z.string(),
  token: z.string(),
  identity: z.string(),
  expiresAt: z.string(),
  e2eeKey: z.string().optional(),
  consultationId: z.string(),
});

export const emptyBody = z.strictObject({});
export const emptyObject = z.object({});

export const ticketIdBody = z.strictObject({ ticketId: z.string().min(1).max(64) });
export const declineBody = z.strictObject({ ticketId: z.string().min(1).max(64), reason: z.string().trim().max(280).optional() });
export const messageBody = z.strictObject({ ticketId: z.string().min(1).max(64), text: text(280) });
/** The note for everyone waiting; null clears it. */
export const noticeBody = z.strictObject({ text: text(280).nullable() });
export const waitingNotice = z.object({ text: z.string(), at: z.string() });
/**
 * Why the patient leaves: `left` (the default) takes effect at once; `page_closed`, sent by the SDK on `pagehide` while
 * waiting, after `departureGraceSeconds`, unless the page comes back (a reload) first.
 */
export const leaveBody = z.strictObject({ reason: z.enum(['left', 'page_closed']).optional() });

export const ratingBody = z.strictObject({ rating: z.enum(['good', 'fair', 'poor']) });
export const admitAllResponse = z.object({ admitted: z.int() });

export const waitingPatient = z.object({
  ticketId: z.string(),
  name: z.string(),
  alias: z.string().optional(),
  /** From the access code (`patient`, `interpreter`, `relative`), never from the typed name. */
  role: z.string(),
  waitingSince: z.string(),
  deviceCheck: deviceCheck.optional(),
});
export type WaitingPatient = z.infer<typeof waitingPatient>;
