import type { z } from 'zod';
import { ticketHash } from '../auth.js';
import type { ConsultationService } from '../consultations/consultations.service.js';
import { accessCodeHash } from '../consultations/consultations.service.js';
import type { AppContext } from '../context.js';
import { normalizeCode, randomId, randomKeyBase64 } from '../crypto.js';
import { ApiError } from '../errors.js';
import { sealE2eeKey } from '../key-sealing.js';
import { tooMany } from '../security.js';
import type { WindowCounter } from '../shared-state.js';
import { GroupCommit } from '../store/group-commit.js';
import { Departures } from './departures.js';
import { GuessBudget } from './guess-budget.js';
import type {
  AuditRow,
  ConnectionRating,
  ConsultationRow,
  LobbyEntryRow,
  LobbyStatusPatch,
  NewLobbyEntry,
  RedeemedCode,
  StoreOps,
  WaitingNoticeRow,
} from '../store/store.js';
import type { Admission } from '../tokens/tokens.service.js';
import type { deviceCheck, joinBody, WaitingPatient } from './lobby.schema.js';

export const CODE_FAILURE_LIMIT = 5;
export const CODE_FAILURE_WINDOW_MS = 15 * 60_000;
const ESTIMATE_MIN_SAMPLES = 3;

const lockedOut = (wait: number): ApiError => tooMany(wait, 'too_many_attempts', 'Too many attempts. Please wait before trying again.');

/** A join waiting for its group commit. */
interface PendingJoin {
  client: string;
  /** The tenant failure budget this attempt counts against (guess-budget.ts). */
  bucket: string;
  codeHash: string;
  entry: NewLobbyEntry;
  /** The lockout let this attempt through (decided once, even if the batch runs again). */
  checked: boolean;
  failureCounted: boolean;
}

export interface Joined extends RedeemedCode {
  ticket: string;
}

/** The waiting room: codes → tickets, the queue, admission, and the grants that follow. */
/** Thrown inside an admission's transaction to roll it back when the entry was no longer waiting. */
const notWaiting = new Error('not waiting');

export class LobbyService {
  /** Wrong codes per tenant, across all clients (never on disk). */
  private readonly guessBudget: GuessBudget;
  /** Failed code attempts per client, CODE_FAILURE_LIMIT per CODE_FAILURE_WINDOW_MS (never on disk). */
  private readonly codeFailures: WindowCounter;

  /**
   * Queue order per consultation, computed once per change instead of once per waiting patient's stream:
   * with N patients waiting, one change used to read N² rows (bench: waiting-room capacity). Every write
   * that changes the queue publishes `changed` or `ended`; the invalidation subscribed before any stream did,
   * so it runs first. The promise is kept, so streams asking together share one read.
   */
  private readonly queueOrder = new Map<string, Promise<Map<string, number>>>();

  private readonly joins: GroupCommit<PendingJoin, RedeemedCode | ApiError>;
  /** The note for everyone waiting, read once per change like the queue order (every waiting stream shows it). */
  private readonly notices = new Map<string, Promise<WaitingNoticeRow | undefined>>();
  /** Waiting patients whose page closed, due to leave unless it comes back. */
  readonly departures: Departures;

  constructor(
    private readonly ctx: AppContext,
    private readonly consultations: ConsultationService,
    limits: { codeFailures: WindowCounter; guessFailures: WindowCounter },
  ) {
    this.codeFailures = limits.codeFailures;
    this.guessBudget = new GuessBudget(ctx.config.codeGuessBudget, limits.guessFailures, ctx.now);
    this.joins = new GroupCommit(ctx.store, (tx, join) => this.redeem(tx, join), ctx.store.groupCommitSize);
    this.departures = new Departures(ctx, (entry, reason, patch) => this.markLeft(entry, reason, patch));
    ctx.bus.subscribe((event, consultationId) => {
      if (event === 'resync') {
        this.queueOrder.clear();
        this.notices.clear();
      } else if (event !== 'key') {
        this.queueOrder.delete(consultationId);
        this.notices.delete(consultationId);
      }
    });
  }

  private audit(c: ConsultationRow, action: string): AuditRow {
    return { tenantId: c.tenantId, actor: 'practitioner', action, consultationId: c.id, at: this.ctx.now() };
  }

  /**
   * Redeems a code. Wrong, expired, used and ended answer identically; once a client has failed
   * CODE_FAILURE_LIMIT times it is refused (429) before the code is even looked at. Joins arriving together
   * are committed together (group commit); each answers only once its code is marked used on disk.
   */
  async join(client: string, bucket: string, input: z.output<typeof joinBody>, os: string): Promise<Joined> {
    // A locked-out client must not take a place in its tenant's slowed queue.
    const locked = await this.codeFailures.blockedFor(client);
    if (locked) throw lockedOut(locked);
    await this.guessBudget.admit(bucket);
    const ticket = randomId('vct_', 32);
    const outcome = await this.joins.submit({
      client,
      bucket,
      codeHash: accessCodeHash(this.ctx.config.secret, normalizeCode(input.code)),
      entry: {
        id: randomId('t_', 12),
        ticketHash: ticketHash(this.ctx.config, ticket),
        name: input.name,
        status: 'waiting',
        waitingSince: this.ctx.now(),
        deviceCheck: input.deviceCheck ? JSON.stringify(input.deviceCheck) : null,
        identity: null,
        declineReason: null,
        osFamily: os,
      },
      checked: false,
      failureCounted: false,
    });
    if (outcome instanceof ApiError) throw outcome;
    this.ctx.bus.publish('changed', outcome.consultation.id);
    return { ticket, ...outcome };
  }

  /**
   * One join inside a group commit, in arrival order, so the lockout counts exactly as if the joins had
   * come one by one. Runs again if its batch is rolled back: the lockout is decided and a failure counted
   * once per attempt, not once per run.
   */
  private async redeem(tx: StoreOps, join: PendingJoin): Promise<RedeemedCode | ApiError> {
    if (!join.checked) {
      const wait = await this.codeFailures.blockedFor(join.client);
      if (wait) return lockedOut(wait);
      join.checked = true;
    }
    const redeemed = await tx.redeemAccessCode(join.codeHash, this.ctx.now(), join.entry);
    if (!redeemed) {
      if (!join.failureCounted) {
        await this.codeFailures.add(join.client);
        await this.guessBudget.fail(join.bucket);
      }
      join.failureCounted = true;
      return new ApiError(404, 'invalid_code', 'This access code is not valid. Check it and try again, or ask for a new one.');
    }
    const { entry } = redeemed;
    const verdict = entry.deviceCheck ? (JSON.parse(entry.deviceCheck) as z.output<typeof deviceCheck>).verdict : undefined;
    // The alias is the integrator's own label for the code; the name the patient typed never leaves the server.
    await this.ctx.webhooks.emit(tx, entry.tenantId, 'patient.waiting', {
      consultationId: entry.consultationId,
      ticketId: entry.id,
      ...(entry.alias ? { alias: entry.alias } : {}),
      ...(verdict ? { deviceVerdict: verdict } : {}),
    });
    return redeemed;
  }

  /** 1-based place among those still waiting, or undefined if no longer waiting. */
  async position(entry: LobbyEntryRow): Promise<number | undefined> {
    let order = this.queueOrder.get(entry.consultationId);
    if (!order) {
      order = this.ctx.store.listLobbyEntries(entry.consultationId, 'waiting').then((rows) => new Map(rows.map((e, i) => [e.id, i + 1])));
      this.queueOrder.set(entry.consultationId, order);
      // A failed read is not cached: the next one tries again.
      order.catch(() => {
        if (this.queueOrder.get(entry.consultationId) === order) this.queueOrder.delete(entry.consultationId);
      });
    }
    return (await order).get(entry.id);
  }

  /**
   * A rough estimate: the tenant's recent mean wait, scaled by the place in the queue. Omitted until
   * there are enough admissions to average, rather than guessing.
   */
  async estimatedWaitSeconds(entry: LobbyEntryRow, position: number): Promise<number | undefined> {
    const { seconds, samples } = await this.ctx.store.averageWaitSeconds(entry.tenantId, 50);
    if (samples < ESTIMATE_MIN_SAMPLES) return undefined;
    const waited = Math.round((this.ctx.now() - entry.waitingSince) / 1000);
    return Math.max(0, Math.round(seconds * position) - waited);
  }

  async waitingPatients(consultationId: string): Promise<WaitingPatient[]> {
    return (await this.ctx.store.listLobbyEntries(consultationId, 'waiting')).map((e) => {
      const p: WaitingPatient = { ticketId: e.id, name: e.name, role: e.role, waitingSince: new Date(e.waitingSince).toISOString() };
      if (e.alias) p.alias = e.alias;
      if (e.deviceCheck) p.deviceCheck = JSON.parse(e.deviceCheck) as z.output<typeof deviceCheck>;
      return p;
    });
  }

  /** A fresh patient grant; only while admitted, so a declined or departed patient gets none. */
  async patientGrant(entry: LobbyEntryRow, consultation: ConsultationRow): Promise<Admission> {
    if (consultation.status === 'ended' || entry.status === 'ended') {
      throw new ApiError(410, 'consultation_ended', 'This consultation has ended.');
    }
    if (entry.status !== 'admitted' || !entry.identity) {
      throw new ApiError(
        403,
        'not_admitted',
        entry.status === 'waiting' ? 'You have not been admitted yet.' : 'You may not join this consultation.',
      );
    }
    await this.consultations.ensureRoom(consultation);
    // Re-read after the await: the key may have been rotated meanwhile, and the grant must carry the new one.
    const current = (await this.ctx.store.getConsultation(consultation.id)) ?? consultation;
    return this.ctx.grants.patient(current, entry.identity, entry.alias ?? entry.name, entry.role);
  }

  async leave(entry: LobbyEntryRow): Promise<void> {
    if (entry.status !== 'waiting' && entry.status !== 'admitted') return;
    // Declined or gone meanwhile (another request, another instance): that one did the rest.
    if (!(await this.markLeft(entry, 'left', { from: ['waiting', 'admitted'], declineReason: null }))) return;
    const consultation = await this.ctx.store.getConsultation(entry.consultationId);
    if (entry.status === 'admitted' && consultation) await this.rotateKey(consultation);
    if (entry.identity && consultation) void this.removeFromRoom(consultation.roomName, entry.identity);
  }

  /** The entry leaves with its one patient.left event, only if `patch`'s conditions still hold (a compare-and-set). */
  private async markLeft(entry: LobbyEntryRow, reason: 'left' | 'page_closed', patch: LobbyStatusPatch): Promise<boolean> {
    const left = await this.ctx.store.transaction(async (tx) => {
      if (!(await tx.setLobbyStatus(entry.id, 'left', patch))) return false;
      await this.ctx.webhooks.emit(tx, entry.tenantId, 'patient.left', {
        consultationId: entry.consultationId,
        ticketId: entry.id,
        reason,
      });
      return true;
    });
    if (left) this.ctx.bus.publish('changed', entry.consultationId);
    return left;
  }

  private async entryOf(consultation: ConsultationRow, ticketId: string): Promise<LobbyEntryRow> {
    const entry = await this.ctx.store.getLobbyEntry(ticketId);
    if (!entry || entry.consultationId !== consultation.id) {
      throw new ApiError(404, 'patient_not_found', 'This patient is not in the waiting room of this consultation.');
    }
    return entry;
  }

  /** Patients who may still be admitted: the room holds maxParticipants, one place is the practitioner's. */
  private async freePlaces(consultation: ConsultationRow): Promise<number> {
    return Math.max(0, consultation.maxParticipants - 1 - (await this.ctx.store.listLobbyEntries(consultation.id, 'admitted')).length);
  }

  /** `by`: the admitting practitioner's display name, shown in the practice queue (who took whom). */
  async admit(consultation: ConsultationRow, ticketId: string, by?: string): Promise<void> {
    const entry = await this.entryOf(consultation, ticketId);
    if (entry.status === 'admitted') return;
    if (entry.status !== 'waiting') throw new ApiError(409, 'not_waiting', 'This patient is no longer waiting.');
    if ((await this.freePlaces(consultation)) === 0) {
      throw new ApiError(409, 'room_full', `The room is full (${consultation.maxParticipants} participants including you).`);
    }
    if (!(await this.admitEntry(consultation, entry, by))) {
      // Someone else changed the entry since it was read: admitted by them is what was asked, anything else is not.
      if ((await this.ctx.store.getLobbyEntry(entry.id))?.status === 'admitted') return;
      throw new ApiError(409, 'not_waiting', 'This patient is no longer waiting.');
    }
    this.ctx.bus.publish('changed', consultation.id);
  }

  /**
   * Admits one waiting entry; false (and nothing written: no identity, audit or event) when it is no longer
   * waiting, e.g. a second practitioner admitted it a moment earlier on this or another instance.
   */
  private async admitEntry(consultation: ConsultationRow, entry: LobbyEntryRow, by: string | undefined): Promise<boolean> {
    const identity = randomId('patient-', 9);
    try {
      await this.ctx.store.transaction(async (tx) => {
        await tx.addIssuedIdentity(consultation.id, identity, 'patient', entry.osFamily, this.ctx.now());
        const admitted = await tx.setLobbyStatus(
          entry.id,
          'admitted',
          { from: ['waiting'], identity, admittedAt: this.ctx.now(), ...(by ? { admittedBy: by } : {}) },
          this.audit(consultation, 'patient.admit'),
        );
        if (!admitted) throw notWaiting; // rolls the identity back
        await this.ctx.webhooks.emit(tx, consultation.tenantId, 'patient.admitted', {
          consultationId: consultation.id,
          ticketId: entry.id,
        });
      });
      return true;
    } catch (error) {
      if (error === notWaiting) return false;
      throw error;
    }
  }

  /** Admits in arrival order, as many as the room has places for; the rest keep waiting. */
  async admitAll(consultation: ConsultationRow, by?: string): Promise<number> {
    const places = await this.freePlaces(consultation);
    const waiting = (await this.ctx.store.listLobbyEntries(consultation.id, 'waiting')).slice(0, places);
    let admitted = 0;
    for (const entry of waiting) if (await this.admitEntry(consultation, entry, by)) admitted += 1;
    if (admitted) this.ctx.bus.publish('changed', consultation.id);
    return admitted;
  }

  /** Declining an admitted patient also removes them from the room; their identity is revoked. */
  async decline(consultation: ConsultationRow, ticketId: string, reason: string | undefined): Promise<void> {
    const entry = await this.entryOf(consultation, ticketId);
    if (entry.status === 'declined') return;
    if (entry.status !== 'waiting' && entry.status !== 'admitted')
      throw new ApiError(409, 'not_waiting', 'This patient is no longer waiting.');
    const declined = await this.ctx.store.transaction(async (tx) => {
      const patch = { from: ['waiting', 'admitted'] as const, declineReason: reason ?? null };
      if (!(await tx.setLobbyStatus(entry.id, 'declined', patch, this.audit(consultation, 'patient.decline')))) return false;
      // The reason is the practitioner's words to the patient: it stays out of the payload.
      await this.ctx.webhooks.emit(tx, consultation.tenantId, 'patient.declined', { consultationId: consultation.id, ticketId: entry.id });
      return true;
    });
    if (!declined) {
      if ((await this.ctx.store.getLobbyEntry(entry.id))?.status === 'declined') return;
      throw new ApiError(409, 'not_waiting', 'This patient is no longer waiting.');
    }
    this.ctx.bus.publish('changed', consultation.id);
    if (entry.status === 'admitted') await this.rotateKey(consultation);
    if (entry.identity) void this.removeFromRoom(consultation.roomName, entry.identity);
  }

  /** Someone who held the key is out: from now on the call uses one they never see (sent to those still in it). */
  async rotateKey(consultation: ConsultationRow): Promise<void> {
    if (!consultation.e2ee || consultation.status === 'ended') return;
    await this.ctx.store.rotateE2eeKey(
      consultation.id,
      sealE2eeKey(this.ctx.config.secret, consultation.id, randomKeyBase64(32)),
      this.audit(consultation, 'e2ee.rotate'),
    );
    this.ctx.bus.publish('key', consultation.id);
  }

  async message(consultation: ConsultationRow, ticketId: string, text: string): Promise<void> {
    const entry = await this.entryOf(consultation, ticketId);
    if (entry.status !== 'waiting') throw new ApiError(409, 'not_waiting', 'This patient is no longer waiting.');
    await this.ctx.store.addLobbyMessage(entry.id, text, this.ctx.now(), this.audit(consultation, 'patient.message'));
    this.ctx.bus.publish('changed', consultation.id);
  }

  /** Sets (or with null clears) the note everyone waiting sees, e.g. "Dr. Weber is running about 10 minutes late". */
  async setNotice(consultation: ConsultationRow, text: string | null): Promise<void> {
    const action = text === null ? 'lobby.notice_clear' : 'lobby.notice';
    await this.ctx.store.setWaitingNotice(consultation.id, text, this.ctx.now(), this.audit(consultation, action));
    this.ctx.bus.publish('changed', consultation.id);
  }

  notice(consultationId: string): Promise<WaitingNoticeRow | undefined> {
    let notice = this.notices.get(consultationId);
    if (!notice) {
      notice = this.ctx.store.getWaitingNotice(consultationId);
      this.notices.set(consultationId, notice);
      // A failed read is not kept: the next change reads again.
      notice.catch(() => this.notices.delete(consultationId));
    }
    return notice;
  }

  /**
   * The patient's one-tap connection rating, for the anonymous stats: once per ticket, only after having been
   * admitted (during or after the call). Stored as tenant, UTC day and rating; nothing else.
   */
  async rate(entry: LobbyEntryRow, rating: ConnectionRating): Promise<void> {
    if (!entry.identity) throw new ApiError(403, 'not_admitted', 'Only a patient who was in the call can rate it.');
    const day = Math.floor(this.ctx.now() / 86_400_000) * 86_400_000;
    if (!(await this.ctx.store.rateConnection(entry.id, entry.tenantId, rating, day))) {
      throw new ApiError(409, 'already_rated', 'This connection was already rated.');
    }
  }

  /** Starts the removal at once (no store read first), so it is under way before the caller answers. */
  async removeFromRoom(roomName: string, identity: string): Promise<void> {
    try {
      await this.ctx.rooms.removeParticipant(roomName, identity);
    } catch {
      // Not in the room (never joined or already gone): nothing to do.
    }
  }
}
