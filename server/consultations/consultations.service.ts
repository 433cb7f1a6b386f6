import type { TenantConfig } from '../config.js';
import type { AppContext } from '../context.js';
import { keyedHash, randomCode, randomId, randomKeyBase64 } from '../crypto.js';
import { ApiError } from '../errors.js';
import { sealE2eeKey } from '../key-sealing.js';
import type { AuditRow, ConsultationRow } from '../store/store.js';
import type { Admission, CodeRole, IssuedToken } from '../tokens/tokens.service.js';
import type { z } from 'zod';
import type { Consultation, createAccessCodeBody, createConsultationBody, createPractitionerTokenBody } from './consultations.schema.js';

/** Seconds the SFU keeps a room nobody joined yet; the room is re-created before each grant anyway. */
const ROOM_EMPTY_TIMEOUT_S = 10 * 60;
/** Grace period for a participant to reconnect before the room closes. */
const ROOM_DEPARTURE_TIMEOUT_S = 120;

export function toConsultation(c: ConsultationRow): Consultation {
  const out: Consultation = {
    id: c.id,
    status: c.status,
    createdAt: new Date(c.createdAt).toISOString(),
    maxParticipants: c.maxParticipants,
    patientScreenShare: c.patientScreenShare,
    e2ee: c.e2ee,
    locale: c.locale,
  };
  if (c.title !== null) out.title = c.title;
  if (c.scheduledAt !== null) out.scheduledAt = new Date(c.scheduledAt).toISOString();
  if (c.endedAt !== null) out.endedAt = new Date(c.endedAt).toISOString();
  if (c.practiceId) out.practiceId = c.practiceId;
  return out;
}

export function accessCodeHash(secret: string, code: string): string {
  return keyedHash(secret, 'access-code', code);
}

export interface IssuedCode {
  code: string;
  joinUrl: string;
  expiresAt: string;
  alias?: string;
  role: CodeRole;
  delivered?: 'email' | 'sms';
}

export class ConsultationService {
  constructor(private readonly ctx: AppContext) {}

  private audit(tenantId: string, actor: AuditRow['actor'], action: string, consultationId: string | null): AuditRow {
    return { tenantId, actor, action, consultationId, at: this.ctx.now() };
  }

  /** The SFU has auto_create off: every room is created here, with its participant cap. Idempotent. */
  async ensureRoom(c: ConsultationRow): Promise<void> {
    try {
      await this.ctx.rooms.createRoom({
        name: c.roomName,
        maxParticipants: c.maxParticipants,
        emptyTimeout: ROOM_EMPTY_TIMEOUT_S,
        departureTimeout: ROOM_DEPARTURE_TIMEOUT_S,
      });
    } catch (err) {
      this.ctx.log(`creating the SFU room failed: ${(err as Error).message}`);
      throw new ApiError(502, 'sfu_unavailable', 'The media server could not be reached. Please try again.');
    }
  }

  async create(tenant: TenantConfig, input: z.output<typeof createConsultationBody>): Promise<ConsultationRow> {
    const id = randomId('c_', 12);
    const row: ConsultationRow = {
      id,
      tenantId: tenant.id,
      roomName: `vc-${id}`,
      title: input.title ?? null,
      status: 'scheduled',
      scheduledAt: input.scheduledAt ? Date.parse(input.scheduledAt) : null,
      createdAt: this.ctx.now(),
      startedAt: null,
      endedAt: null,
      maxParticipants: input.maxParticipants,
      patientScreenShare: input.patientScreenShare,
      e2ee: input.e2ee,
      locale: input.locale,
      e2eeKey: input.e2ee ? sealE2eeKey(this.ctx.config.secret, id, randomKeyBase64(32)) : null,
      practiceId: input.practiceId ?? null,
    };
    // Room first: if the SFU is unreachable nothing is stored and the integrator can simply retry.
    await this.ensureRoom(row);
    await this.ctx.store.transaction(async (tx) => {
      await tx.insertConsultation(row, this.audit(tenant.id, 'integrator', 'consultation.create', id));
      await this.ctx.webhooks.emit(tx, tenant.id, 'consultation.created', {
        consultationId: id,
        ...(input.scheduledAt ? { scheduledAt: new Date(Date.parse(input.scheduledAt)).toISOString() } : {}),
        ...(input.practiceId ? { practiceId: input.practiceId } : {}),
      });
    });
    return row;
  }

  /** A consultation of this tenant; another tenant's looks exactly like a missing one. */
  async get(tenant: TenantConfig, id: string): Promise<ConsultationRow> {
    const c = await this.ctx.store.getConsultation(id);
    if (!c || c.tenantId !== tenant.id) throw new ApiError(404, 'consultation_not_found', 'There is no such consultation.');
    return c;
  }

  async list(
    tenant: TenantConfig,
    query: { status?: ConsultationRow['status']; limit: number; cursor?: string },
  ): Promise<{ items: ConsultationRow[]; nextCursor?: string }> {
    let cursor: { createdAt: number; id: string } | undefined;
    if (query.cursor) {
      // The schema's pattern guarantees both parts; any such pair is a valid position in the order.
      const dot = query.cursor.indexOf('.');
      cursor = { createdAt: Number(query.cursor.slice(0, dot)), id: query.cursor.slice(dot + 1) };
    }
    const rows = await this.ctx.store.listConsultations(tenant.id, { status: query.status, limit: query.limit + 1, cursor });
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    return rows.length > query.limit && last ? { items, nextCursor: `${last.createdAt}.${last.id}` } : { items };
  }

  /**
   * Ends for everyone: stored state first (so a crash halfway still counts as ended and the sweeper
   * finishes the rest), then streams are told and the SFU room is deleted, disconnecting everyone.
   */
  async end(c: ConsultationRow, actor: AuditRow['actor']): Promise<ConsultationRow> {
    const endedAt = this.ctx.now();
    const changed = await this.ctx.store.transaction(async (tx) => {
      const ended = await tx.endConsultation({ id: c.id, endedAt, audit: this.audit(c.tenantId, actor, 'consultation.end', c.id) });
      if (ended) {
        await this.ctx.webhooks.emit(tx, c.tenantId, 'consultation.ended', {
          consultationId: c.id,
          endedAt: new Date(endedAt).toISOString(),
          by: actor === 'patient' ? 'system' : actor,
        });
      }
      return ended;
    });
    if (changed) this.ctx.bus.publish('ended', c.id);
    try {
      await this.ctx.uploads?.endSession(c.roomName);
    } catch (err) {
      // The sweeper retries: it deletes the files of every room whose consultation is not open.
      this.ctx.log(`deleting the uploads of an ended consultation failed: ${(err as Error).message}`);
    }
    try {
      await this.ctx.rooms.deleteRoom(c.roomName);
    } catch (err) {
      // Usually "room not found": it already closed. Anything else the sweeper does not retry: log it.
      const message = (err as Error).message;
      if (!/not.?found|does not exist/i.test(message)) this.ctx.log(`deleting the SFU room failed: ${message}`);
    }
    return (await this.ctx.store.getConsultation(c.id)) ?? c;
  }

  async issueAccessCode(tenant: TenantConfig, c: ConsultationRow, input: z.output<typeof createAccessCodeBody>): Promise<IssuedCode> {
    if (c.status === 'ended') throw new ApiError(409, 'consultation_ended', 'This consultation has ended.');
    const deliver = input.deliver;
    const channel = deliver ? ('email' in deliver ? 'email' : 'sms') : undefined;
    const sender = channel === 'email' ? this.ctx.mailer : channel === 'sms' ? this.ctx.sms : undefined;
    if (channel && !sender) {
      throw new ApiError(501, 'delivery_unavailable', `This server has no ${channel === 'email' ? 'e-mail' : 'SMS'} delivery configured.`);
    }
    const now = this.ctx.now();
    if ((await this.ctx.store.countOpenAccessCodes(c.id, now)) >= this.ctx.config.maxOpenCodesPerConsultation) {
      throw new ApiError(
        409,
        'too_many_codes',
        'This consultation has too many unused access codes. Wait for some to be used or to expire.',
      );
    }
    const code = randomCode();
    const expiresAt = now + input.expiresInMinutes * 60_000;
    await this.ctx.store.insertAccessCode(
      {
        codeHash: accessCodeHash(this.ctx.config.secret, code),
        consultationId: c.id,
        tenantId: tenant.id,
        alias: input.alias ?? null,
        role: input.role,
        createdAt: now,
        expiresAt,
        usedAt: null,
      },
      this.audit(tenant.id, 'integrator', 'access_code.issue', c.id),
    );
    const joinUrl = new URL(this.ctx.config.publicUrl);
    // In the fragment, so the code never reaches a server log or a Referer header.
    joinUrl.hash = `code=${code}`;
    const result: IssuedCode = { code, joinUrl: joinUrl.toString(), expiresAt: new Date(expiresAt).toISOString(), role: input.role };
    if (input.alias) result.alias = input.alias;
    const to = deliver && ('email' in deliver ? deliver.email : deliver.sms);
    if (channel && sender && to) {
      try {
        await sender.sendAccessCode(to, { code, joinUrl: result.joinUrl, expiresAt: result.expiresAt, locale: c.locale });
      } catch (err) {
        // The error's message may contain the address: log only its kind.
        this.ctx.log(`${channel} delivery failed: ${(err as Error).name}`);
        throw new ApiError(
          502,
          'delivery_failed',
          `The access code was created but could not be sent by ${channel === 'email' ? 'e-mail' : 'SMS'}.`,
        );
      }
      result.delivered = channel;
    }
    return result;
  }

  async issuePractitionerToken(
    tenant: TenantConfig,
    c: ConsultationRow,
    input: z.output<typeof createPractitionerTokenBody>,
    practiceId?: string,
  ): Promise<IssuedToken> {
    if (c.status === 'ended') throw new ApiError(409, 'consultation_ended', 'This consultation has ended.');
    const { ttlMinutes: most } = this.ctx.config.practitionerTokens;
    const ttlMinutes = input.ttlMinutes ?? most;
    if (ttlMinutes > most) throw new ApiError(400, 'ttl_too_long', `Practitioner tokens last at most ${most} minutes on this server.`);
    const now = this.ctx.now();
    const issued = this.ctx.practitionerTokens.issue({
      v: 1,
      c: c.id,
      t: tenant.id,
      p: randomId('', 9),
      n: input.name,
      e: Math.floor((now + ttlMinutes * 60_000) / 1000),
      i: now,
      l: ttlMinutes,
      ...(practiceId ? { pr: practiceId } : {}),
    });
    await this.ctx.store.insertAudit(this.audit(tenant.id, 'integrator', 'practitioner_token.issue', c.id));
    return issued;
  }

  /** The practitioner's LiveKit grant: roomAdmin for this consultation's room only. */
  async practitionerGrant(
    c: ConsultationRow,
    practitioner: { id: string; name: string; practiceId?: string },
    osFamily: string,
  ): Promise<Admission> {
    const identity = `practitioner-${practitioner.id}`;
    await this.ctx.store.addIssuedIdentity(c.id, identity, 'practitioner', osFamily, this.ctx.now(), practitioner.practiceId);
    await this.ensureRoom(c);
    await this.ctx.store.insertAudit(this.audit(c.tenantId, 'practitioner', 'practitioner.grant', c.id));
    return this.ctx.grants.practitioner(c, identity, practitioner.name);
  }
}
