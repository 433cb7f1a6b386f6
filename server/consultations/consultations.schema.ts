import { z } from 'zod';
import { displayName } from '../display-name.js';
import { text } from '../text.js';
import { CODE_ROLES } from '../tokens/tokens.service.js';

export const createConsultationBody = z.strictObject({
  title: text(200).optional(),
  scheduledAt: z.iso.datetime({ offset: true }).optional(),
  maxParticipants: z.int().min(2).max(16).default(4),
  patientScreenShare: z.boolean().default(false),
  e2ee: z.boolean().default(true),
  locale: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag like "en" or "de-CH"')
    .default('en'),
  /** A practice of this tenant (admin API): the consultation joins that practice's shared waiting room. */
  practiceId: z.string().min(1).max(64).optional(),
});

export const consultationStatus = z.enum(['scheduled', 'active', 'ended']);

export const listConsultationsQuery = z.strictObject({
  status: consultationStatus.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** `nextCursor` of the previous page: any `<createdAt ms>.<id>` is a position in the order, issued or not. */
  cursor: z
    .string()
    .regex(/^[0-9]{1,15}\.[A-Za-z0-9_-]{1,64}$/, 'must be a nextCursor from a previous page')
    .optional(),
});

export const consultation = z.object({
  id: z.string(),
  title: z.string().optional(),
  status: consultationStatus,
  scheduledAt: z.string().optional(),
  createdAt: z.string(),
  endedAt: z.string().optional(),
  maxParticipants: z.int(),
  patientScreenShare: z.boolean(),
  e2ee: z.boolean(),
  locale: z.string(),
  practiceId: z.string().optional(),
});
export type Consultation = z.infer<typeof consultation>;

export const consultationList = z.object({ items: z.array(consultation), nextCursor: z.string().optional() });

export const createAccessCodeBody = z.strictObject({
  /** The name the practitioner sees instead of the one the patient types. */
  alias: displayName(100).optional(),
  /** Who will use the code: shown to everyone in the call (tiles, chat) and in the practitioner's queue. */
  role: z.enum(CODE_ROLES).default('patient'),
  expiresInMinutes: z
    .int()
    .min(5)
    .max(60 * 24 * 30)
    .default(1440),
  /** Send the code to exactly one of these (`{ email }` or `{ sms }`); the address or number is used for that and never stored. */
  deliver: z
    .union([
      z.strictObject({ email: z.email() }),
      z.strictObject({ sms: z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'must be a phone number in E.164 form, like +41791234567') }),
    ])
    .optional(),
});

export const accessCode = z.object({
  code: z.string(),
  joinUrl: z.string(),
  expiresAt: z.string(),
  alias: z.string().optional(),
  role: z.enum(CODE_ROLES),
  delivered: z.enum(['email', 'sms']).optional(),
});

export const createPractitionerTokenBody = z.strictObject({
  name: displayName(100),
  /** Default and upper bound: the config's practitionerTokens.ttlMinutes (at most 60). */
  ttlMinutes: z.int().min(1).max(60).optional(),
});

/** `tokenId` names the token (and its refreshes) for revocation; it is also the practitioner's LiveKit identity suffix. */
export const practitionerToken = z.object({ token: z.string(), tokenId: z.string(), expiresAt: z.string() });
