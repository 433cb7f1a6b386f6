/**
 * `videoconsult/client`: the integrator API from a Node back end, typed from the zod schemas the token server
 * validates with (type imports only: nothing of the server runs here). Needs only the global `fetch` (Node ≥ 18).
 *
 *   const vc = new VideoconsultClient({ baseUrl: 'https://consult.example.com', apiKey: process.env.VC_API_KEY! });
 *   const consultation = await vc.createConsultation({ title: 'Follow-up' });
 *
 * Every refusal is thrown as a `VideoconsultApiError` carrying the HTTP status and the API's stable error `code`.
 */
import type { z } from 'zod';
import type {
  accessCode,
  consultation,
  consultationList,
  createAccessCodeBody,
  createConsultationBody,
  createPractitionerTokenBody,
  listConsultationsQuery,
  practitionerToken,
} from '../server/consultations/consultations.schema.js';
import type { auditResponse, periodQuery, statsResponse } from '../server/stats/stats.schema.js';
import type { deliveryLog } from '../server/outbox/outbox.schema.js';
import type { createPracticeBody, practice, practiceList } from '../server/admin/admin.schema.js';
import type { createPracticeTokenBody } from '../server/practice/practice.schema.js';

export type Consultation = z.output<typeof consultation>;
export type ConsultationList = z.output<typeof consultationList>;
export type CreateConsultationInput = z.input<typeof createConsultationBody>;
export type ListConsultationsInput = Partial<Omit<z.input<typeof listConsultationsQuery>, 'limit'>> & { limit?: number };
export type AccessCode = z.output<typeof accessCode>;
export type CreateAccessCodeInput = z.input<typeof createAccessCodeBody>;
export type PractitionerToken = z.output<typeof practitionerToken>;
export type CreatePractitionerTokenInput = z.input<typeof createPractitionerTokenBody>;
export type PeriodInput = z.input<typeof periodQuery>;
export type Stats = z.output<typeof statsResponse>;
export type Audit = z.output<typeof auditResponse>;
export type WebhookDeliveries = z.output<typeof deliveryLog>;
export type Practice = z.output<typeof practice>;
export type PracticeList = z.output<typeof practiceList>;
export type CreatePracticeInput = z.input<typeof createPracticeBody>;
export type CreatePracticeTokenInput = z.input<typeof createPracticeTokenBody>;

export { verifyWebhook, WebhookVerificationError, type WebhookEvent, type WebhookEventType, type WebhookHeaders } from './webhooks.js';

/** A refusal from the token server: `code` is stable and meant to be switched on; `message` is for people. */
export class VideoconsultApiError extends Error {
  override readonly name = 'VideoconsultApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds, from `Retry-After` on `429` and `503`. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export interface ClientOptions {
  /** The token server's origin (and path prefix, if mounted under one), e.g. `https://consult.example.com`. */
  baseUrl: string;
  /** The tenant API key (for `VideoconsultAdminClient`: the admin key). Keep it on the server: never ship it to a browser. */
  apiKey: string;
  /** Per request; default 15 s. */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

type Query = Record<string, string | number | undefined>;

/** The HTTP part both clients share: bearer key, JSON, timeout, refusals as `VideoconsultApiError`. */
export abstract class ApiClient {
  private readonly base: string;
  private readonly fetch: typeof globalThis.fetch;

  constructor(private readonly options: ClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** Any other endpoint of the API, with the same authentication and errors. */
  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, query: Query = {}): Promise<T> {
    const url = new URL(`${this.base}${path}`);
    for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
    let res: Response;
    try {
      res = await this.fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.options.apiKey}`,
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
      });
    } catch (err) {
      const timeout = (err as Error).name === 'TimeoutError';
      throw new VideoconsultApiError(
        0,
        timeout ? 'timeout' : 'network_error',
        timeout ? `${method} ${path} timed out.` : `${method} ${path} failed: ${(err as Error).message}`,
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (res.ok) return json as T;
    const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const retryAfter = Number(res.headers.get('retry-after'));
    throw new VideoconsultApiError(
      res.status,
      typeof error?.code === 'string' ? error.code : `http_${res.status}`,
      typeof error?.message === 'string' ? error.message : `${method} ${path} answered ${res.status}.`,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    );
  }
}

export class VideoconsultClient extends ApiClient {
  createConsultation(input: CreateConsultationInput = {}): Promise<Consultation> {
    return this.request('POST', '/v1/consultations', input);
  }

  listConsultations(query: ListConsultationsInput = {}): Promise<ConsultationList> {
    return this.request('GET', '/v1/consultations', undefined, query);
  }

  /** Every consultation, page after page (newest first). */
  async *consultations(query: Omit<ListConsultationsInput, 'cursor'> = {}): AsyncGenerator<Consultation> {
    let cursor: string | undefined;
    do {
      const page = await this.listConsultations({ ...query, ...(cursor ? { cursor } : {}) });
      yield* page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }

  getConsultation(id: string): Promise<Consultation> {
    return this.request('GET', `/v1/consultations/${encodeURIComponent(id)}`);
  }

  endConsultation(id: string): Promise<Consultation> {
    return this.request('POST', `/v1/consultations/${encodeURIComponent(id)}/end`, {});
  }

  /** The code is in the answer once and never again. */
  createAccessCode(consultationId: string, input: CreateAccessCodeInput = {}): Promise<AccessCode> {
    return this.request('POST', `/v1/consultations/${encodeURIComponent(consultationId)}/access-codes`, input);
  }

  createPractitionerToken(consultationId: string, input: CreatePractitionerTokenInput): Promise<PractitionerToken> {
    return this.request('POST', `/v1/consultations/${encodeURIComponent(consultationId)}/practitioner-tokens`, input);
  }

  /**
   * A practice-scoped practitioner token: the practice's shared queue and transfers between its consultations,
   * plus the practitioner's own consultation (`input.consultationId`, which must belong to the practice). The practice
   * scope lasts as long as the token (its TTL, refreshes, or `revokePracticeToken`), not as long as that consultation.
   */
  createPracticeToken(practiceId: string, input: CreatePracticeTokenInput): Promise<PractitionerToken> {
    return this.request('POST', `/v1/practices/${encodeURIComponent(practiceId)}/practitioner-tokens`, input);
  }

  /** Revokes one practice token (and its refreshes) by `tokenId`, or without it every one of the practice issued until now. */
  revokePracticeToken(practiceId: string, tokenId?: string): Promise<{ tokenId?: string; revokedAt: string }> {
    const token = tokenId === undefined ? '' : `${encodeURIComponent(tokenId)}/`;
    return this.request('POST', `/v1/practices/${encodeURIComponent(practiceId)}/practitioner-tokens/${token}revoke`, {});
  }

  stats(period: PeriodInput = {}): Promise<Stats> {
    return this.request('GET', '/v1/stats', undefined, period);
  }

  audit(period: PeriodInput = {}): Promise<Audit> {
    return this.request('GET', '/v1/audit', undefined, period);
  }

  /** Your webhook delivery log: every attempt, its outcome and status (no payloads). */
  webhookDeliveries(period: PeriodInput = {}): Promise<WebhookDeliveries> {
    return this.request('GET', '/v1/webhook-deliveries', undefined, period);
  }
}

/**
 * The admin API (`/v1/admin/*`), for the operator of the token server: `apiKey` is the admin key (config
 * `admin.apiKeySha256`), never a tenant's. Practices group a tenant's consultations into one waiting room.
 */
export class VideoconsultAdminClient extends ApiClient {
  listPractices(tenantId: string): Promise<PracticeList> {
    return this.request('GET', `/v1/admin/tenants/${encodeURIComponent(tenantId)}/practices`);
  }

  createPractice(tenantId: string, input: CreatePracticeInput): Promise<Practice> {
    return this.request('POST', `/v1/admin/tenants/${encodeURIComponent(tenantId)}/practices`, input);
  }
}
