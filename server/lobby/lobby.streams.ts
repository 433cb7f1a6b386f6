import type { Response } from 'express';
import type { AppContext } from '../context.js';
import { openEventStream, type EventStream } from '../http.js';
import { openE2eeKey } from '../key-sealing.js';
import type { BusListener, StreamSlots } from '../shared-state.js';
import type { LobbyEntryRow } from '../store/store.js';
import { practiceKey, type StreamToken } from '../tokens/revocations.js';
import type { LobbyService } from './lobby.service.js';

export const PING_MS = 15_000;

/**
 * The waiting room's server-sent-event streams, patients' and practitioners'. State is re-read from the store
 * on every notification, so a reconnect, a server restart or another instance picks up exactly where things
 * are. Owns what is live: the open streams (closed by closeAll) and their caps per credential.
 */
export class LobbyStreams {
  private readonly open = new Set<() => void>();

  constructor(
    private readonly ctx: AppContext,
    private readonly lobby: LobbyService,
    /** 3 concurrent streams per lobby ticket (newest wins). */
    private readonly patientSlots: StreamSlots,
    /** 10 per consultation for its practitioners. */
    private readonly practitionerSlots: StreamSlots,
  ) {}

  /** Open streams on this instance (metrics). */
  get size(): number {
    return this.open.size;
  }

  closeAll(): void {
    for (const end of [...this.open]) end();
  }

  /** Subscribes for the stream's lifetime. */
  private follow(stream: EventStream, listener: BusListener): void {
    stream.onClose(this.ctx.bus.subscribe(listener));
  }

  private cap(stream: EventStream, slots: StreamSlots, key: string): void {
    slots
      .acquire(key, () => stream.close())
      .then(
        (release) => stream.onClose(release),
        (err: unknown) => this.fail(stream, 'stream cap', err),
      );
  }

  /** Runs a stream's steps one after another; a failing step ends the stream. */
  private serial(stream: EventStream, what: string): (step: () => Promise<void>) => void {
    let queue: Promise<void> = Promise.resolve();
    return (step) => {
      queue = queue.then(step).catch((err: unknown) => this.fail(stream, what, err));
    };
  }

  /** A store or cap failure ends the stream: the client reconnects, and its next stream re-reads everything. */
  private fail(stream: EventStream, what: string, err: unknown): void {
    this.ctx.log(`event stream: ${what} failed: ${(err as Error).message}`);
    stream.send('error', { code: 'store_unavailable', message: 'The server could not read the waiting room. Reconnecting.' });
    stream.close();
  }

  /**
   * One patient's stream: `message` (with SSE ids; `Last-Event-ID` skips seen ones), `queue`, then one of
   * `admitted` (the stream stays open for `key` and `ended`), `declined`, `ended`. A transfer to another
   * consultation of the practice sends `transferred`, and the stream follows the new consultation from then on.
   */
  patient(res: Response, first: LobbyEntryRow, lastEventId: string | undefined): void {
    const { ctx, lobby } = this;
    const stream = openEventStream(res, PING_MS, this.open);
    const openedAt = ctx.now();
    this.cap(stream, this.patientSlots, first.id);
    const lastSeen = Number(lastEventId);
    let lastMessageId = Number.isFinite(lastSeen) ? lastSeen : 0;
    let lastPosition: number | undefined;
    let lastNotice = '';
    let admittedSent = false;
    let consultationId = first.consultationId;
    let closed = false;
    stream.onClose(() => {
      closed = true;
    });
    const finish = (event: string, data: object): void => {
      closed = true;
      stream.send(event, data);
      stream.close();
    };

    const update = async (): Promise<void> => {
      if (closed) return;
      const entry = await ctx.store.getLobbyEntry(first.id);
      const consultation = entry && (await ctx.store.getConsultation(entry.consultationId));
      if (closed) return;
      if (!entry || !consultation || consultation.status === 'ended' || entry.status === 'ended' || entry.status === 'left') {
        return finish('ended', {});
      }
      // A page that came back, though its leave reached the server after it connected (see Departures.mayCallOff).
      if (lobby.departures.mayCallOff(entry, openedAt)) await lobby.departures.returned(entry);
      if (entry.consultationId !== consultationId) {
        consultationId = entry.consultationId;
        lastPosition = undefined;
        admittedSent = false;
        stream.send('transferred', { consultationId, ...(consultation.title ? { title: consultation.title } : {}) });
      }
      for (const m of await ctx.store.listLobbyMessages(entry.id)) {
        if (m.id <= lastMessageId) continue;
        lastMessageId = m.id;
        stream.send('message', { text: m.text, at: new Date(m.at).toISOString() }, String(m.id));
      }
      if (entry.status === 'waiting') {
        const notice = await lobby.notice(entry.consultationId);
        const noticeKey = notice ? `${notice.at} ${notice.text}` : '';
        if (noticeKey !== lastNotice && !closed) {
          lastNotice = noticeKey;
          stream.send('notice', notice ? { text: notice.text, at: new Date(notice.at).toISOString() } : { text: null });
        }
        const position = await lobby.position(entry);
        if (position !== undefined && position !== lastPosition) {
          lastPosition = position;
          const estimate = await lobby.estimatedWaitSeconds(entry, position);
          stream.send('queue', estimate === undefined ? { position } : { position, estimatedWaitSeconds: estimate });
        }
      } else if (entry.status === 'declined') {
        finish('declined', entry.declineReason ? { reason: entry.declineReason } : {});
      } else if (entry.status === 'admitted' && !admittedSent) {
        // Once per connection: a reconnecting patient gets a fresh grant. The stream stays open for `ended`.
        admittedSent = true;
        try {
          stream.send('admitted', await lobby.patientGrant(entry, consultation));
        } catch (err) {
          ctx.log(`minting an admission grant failed: ${(err as Error).message}`);
          finish('error', { code: 'grant_failed', message: 'Admission failed. Reconnect to try again.' });
        }
      }
    };
    // A rotated E2EE key goes to patients who are in the call (admitted), never to those still waiting.
    const sendKey = async (): Promise<void> => {
      if (closed) return;
      const entry = await ctx.store.getLobbyEntry(first.id);
      const consultation = await ctx.store.getConsultation(consultationId);
      const key = consultation && openE2eeKey(ctx.config.secret, consultation);
      if (!closed && entry?.status === 'admitted' && entry.consultationId === consultationId && key) stream.send('key', { e2eeKey: key });
    };

    // Updates run one after another, so events keep their order even while a grant is being minted.
    const enqueue = this.serial(stream, 'reading the waiting room');
    this.follow(stream, (event, changedId) => {
      if (event === 'resync') {
        enqueue(update);
        enqueue(sendKey);
      } else if (changedId === consultationId) {
        enqueue(event === 'key' ? sendKey : update);
      }
    });
    enqueue(update);
  }

  /**
   * A practitioner's stream: the live queue (`queue`), rotated keys (`key`), then `ended` — or `revoked`/`expired`
   * once the token it was opened with was revoked or is past its lifetime (checked on every change, and at its expiry).
   */
  practitioner(res: Response, consultationId: string, token: StreamToken): void {
    const { ctx, lobby } = this;
    const stream = openEventStream(res, PING_MS, this.open);
    this.cap(stream, this.practitionerSlots, consultationId);
    let last = '';
    let closed = false;
    stream.onClose(() => {
      closed = true;
    });
    const update = async (): Promise<void> => {
      const current = await ctx.store.getConsultation(consultationId);
      if (closed) return;
      const end = await token.ended();
      if (end) {
        stream.send(end, {});
        return stream.close();
      }
      if (!current || current.status === 'ended') {
        stream.send('ended', {});
        return stream.close();
      }
      const notice = await lobby.notice(consultationId);
      const data = JSON.stringify({
        patients: await lobby.waitingPatients(consultationId),
        ...(notice ? { notice: { text: notice.text, at: new Date(notice.at).toISOString() } } : {}),
      });
      if (data === last || closed) return;
      last = data;
      stream.send('queue', JSON.parse(data));
    };
    const sendKey = async (): Promise<void> => {
      const current = await ctx.store.getConsultation(consultationId);
      const key = current && openE2eeKey(ctx.config.secret, current);
      if (key && !closed && !(await token.ended())) stream.send('key', { e2eeKey: key });
    };
    const enqueue = this.serial(stream, 'reading the queue');
    this.follow(stream, (event, id) => {
      if (event === 'resync') {
        enqueue(sendKey);
        enqueue(update);
      } else if (id === consultationId) {
        enqueue(event === 'key' ? sendKey : update);
      }
    });
    this.expireAt(stream, token, () => enqueue(update));
    // On every (re)connect, so a rotation missed while reconnecting is caught up.
    enqueue(sendKey);
    enqueue(update);
  }

  /** Re-checks the token when its lifetime ends, so a stream nothing changes on ends with `expired` on time too. */
  private expireAt(stream: EventStream, token: StreamToken, check: () => void): void {
    // setTimeout takes at most 2^31 - 1 ms; a check that comes early finds the token valid and changes nothing.
    const timer = setTimeout(check, Math.min(Math.max(0, token.expiresAt - this.ctx.now()), 2 ** 31 - 1));
    timer.unref();
    stream.onClose(() => clearTimeout(timer));
  }

  /**
   * A practice's shared queue (`queue` events from `read`), for practice-scoped practitioner tokens. A change to
   * any consultation of the practice re-reads it; which practice a consultation belongs to never changes, so
   * it is looked up once per consultation and remembered for the stream's lifetime. Ends with `revoked` or `expired`
   * once the token it was opened with was revoked (the practice's revocations publish its key) or is past its lifetime.
   */
  practice(res: Response, practiceId: string, read: () => Promise<object>, token: StreamToken): void {
    const { ctx } = this;
    const key = practiceKey(practiceId);
    const stream = openEventStream(res, PING_MS, this.open);
    this.cap(stream, this.practitionerSlots, key);
    const inPractice = new Map<string, boolean>();
    let last = '';
    let closed = false;
    stream.onClose(() => {
      closed = true;
    });
    const update = async (): Promise<void> => {
      if (closed) return;
      const end = await token.ended();
      if (end) {
        closed = true;
        stream.send(end, {});
        return stream.close();
      }
      const data = JSON.stringify(await read());
      if (data === last) return;
      last = data;
      stream.send('queue', JSON.parse(data) as object);
    };
    const enqueue = this.serial(stream, 'reading the practice queue');
    const relevant = async (consultationId: string): Promise<boolean> => {
      let known = inPractice.get(consultationId);
      if (known === undefined) {
        known = (await ctx.store.getConsultation(consultationId))?.practiceId === practiceId;
        inPractice.set(consultationId, known);
      }
      return known;
    };
    this.follow(stream, (event, consultationId) => {
      if (event === 'resync' || consultationId === key) enqueue(update);
      else if (event !== 'key') enqueue(async () => ((await relevant(consultationId)) ? update() : undefined));
    });
    this.expireAt(stream, token, () => enqueue(update));
    enqueue(update);
  }
}
