import type { Request, Response } from 'express';
import { authenticateTicket } from '../auth.js';
import type { AppContext } from '../context.js';
import { body, openEventStream, parse } from '../http.js';
import { errorBody } from '../openapi.js';
import type { RouteRegistry } from '../routing.js';
import { clientKey } from '../client-key.js';
import { openE2eeKey } from '../key-sealing.js';
import { osFamily } from '../stats/os-family.js';
import { admission, emptyBody, joinBody, joinResponse } from './lobby.schema.js';
import { guessBucket } from './guess-budget.js';
import type { LobbyService } from './lobby.service.js';

export const PING_MS = 15_000;

const ticketErrors = { 401: { description: 'Unknown ticket', schema: errorBody }, 403: { description: 'Origin not allowed', schema: errorBody } };

/** The patient side. No LiveKit token exists for a patient until the practitioner admits them. */
export function lobbyRoutes(routes: RouteRegistry, ctx: AppContext, lobby: LobbyService): void {
  const tags = ['patient'];

  routes.add(
    { method: 'post', path: '/v1/lobby/join', summary: 'Redeem an access code for a waiting-room ticket', auth: 'none', tags, body: joinBody,
      responses: {
        201: { description: 'In the waiting room', schema: joinResponse },
        400: { description: 'Invalid request', schema: errorBody },
        404: { description: 'Wrong, expired or used code (indistinguishable)', schema: errorBody },
        429: { description: 'Too many attempts; see Retry-After', schema: errorBody },
      } },
    async (req, res) => {
      const input = parse(joinBody, body(req), 'body');
      const { ticket, entry, consultation } = await lobby.join(clientKey(req), guessBucket(ctx.config, req.get('origin')), input, osFamily(req.get('user-agent')));
      res.status(201).set('Cache-Control', 'no-store').json({
        ticket,
        ticketId: entry.id,
        livekitUrl: ctx.config.livekit.url,
        consultation: { id: consultation.id, ...(consultation.title ? { title: consultation.title } : {}), locale: consultation.locale, e2ee: consultation.e2ee },
      });
    },
  );

  routes.add(
    { method: 'get', path: '/v1/lobby/events', summary: 'Server-sent events: queue, message, admitted, declined, ended', auth: 'ticket', tags,
      responses: { 200: { description: 'An event stream', contentType: 'text/event-stream' }, ...ticketErrors } },
    (req, res) => patientStream(ctx, lobby, req, res),
  );

  routes.add(
    { method: 'post', path: '/v1/lobby/grant', summary: 'A fresh LiveKit grant, once admitted', auth: 'ticket', tags, body: emptyBody,
      responses: { 200: { description: 'Admission', schema: admission }, ...ticketErrors,
        410: { description: 'The consultation ended', schema: errorBody } } },
    async (req, res) => {
      const { entry, consultation } = authenticateTicket(ctx, req);
      parse(emptyBody, body(req), 'body');
      res.set('Cache-Control', 'no-store').json(await lobby.patientGrant(entry, consultation));
    },
  );

  routes.add(
    { method: 'post', path: '/v1/lobby/leave', summary: 'Leave the waiting room or the call', auth: 'ticket', tags, body: emptyBody,
      responses: { 204: { description: 'Left' }, ...ticketErrors } },
    (req, res) => {
      const { entry } = authenticateTicket(ctx, req);
      parse(emptyBody, body(req), 'body');
      lobby.leave(entry);
      res.status(204).end();
    },
  );
}

/**
 * One patient's stream. State is re-read from the store on every change, so a reconnect (or a server
 * restart) picks up exactly where the patient is. Messages carry SSE ids; `Last-Event-ID` skips seen ones.
 */
function patientStream(ctx: AppContext, lobby: LobbyService, req: Request, res: Response): void {
  const { entry: first } = authenticateTicket(ctx, req);
  const stream = openEventStream(res, PING_MS, ctx.streams);
  stream.onClose(ctx.patientSlots.acquire(first.id, () => stream.close()));
  const lastSeen = Number(req.get('last-event-id'));
  let lastMessageId = Number.isFinite(lastSeen) ? lastSeen : 0;
  let lastPosition: number | undefined;
  let admittedSent = false;
  let closed = false;
  const finish = (event: string, data: object): void => {
    closed = true;
    stream.send(event, data);
    stream.close();
  };

  const update = async (): Promise<void> => {
    if (closed) return;
    const entry = ctx.store.getLobbyEntry(first.id);
    const consultation = entry && ctx.store.getConsultation(entry.consultationId);
    if (!entry || !consultation || consultation.status === 'ended' || entry.status === 'ended' || entry.status === 'left') {
      return finish('ended', {});
    }
    for (const m of ctx.store.listLobbyMessages(entry.id)) {
      if (m.id <= lastMessageId) continue;
      lastMessageId = m.id;
      stream.send('message', { text: m.text, at: new Date(m.at).toISOString() }, String(m.id));
    }
    if (entry.status === 'waiting') {
      const position = lobby.position(entry);
      if (position !== undefined && position !== lastPosition) {
        lastPosition = position;
        const estimate = lobby.estimatedWaitSeconds(entry, position);
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

  // Updates run one after another, so events keep their order even while a grant is being minted.
  let queue: Promise<void> = Promise.resolve();
  const onChange = (consultationId: string): void => {
    if (consultationId === first.consultationId) queue = queue.then(update, update);
  };
  // A rotated E2EE key goes to patients who are in the call (admitted), never to those still waiting.
  const onKey = (consultationId: string): void => {
    if (consultationId !== first.consultationId || closed) return;
    const entry = ctx.store.getLobbyEntry(first.id);
    const consultation = ctx.store.getConsultation(consultationId);
    const key = consultation && openE2eeKey(ctx.config.secret, consultation);
    if (entry?.status === 'admitted' && key) stream.send('key', { e2eeKey: key });
  };
  ctx.bus.on('changed', onChange);
  ctx.bus.on('ended', onChange);
  ctx.bus.on('key', onKey);
  stream.onClose(() => {
    closed = true;
    ctx.bus.off('changed', onChange);
    ctx.bus.off('ended', onChange);
    ctx.bus.off('key', onKey);
  });
  onChange(first.consultationId);
}
