import { authenticatePractitioner } from '../auth.js';
import type { ConsultationService } from '../consultations/consultations.service.js';
import type { AppContext } from '../context.js';
import { openE2eeKey } from '../key-sealing.js';
import { body, openEventStream, parse } from '../http.js';
import { errorBody } from '../openapi.js';
import type { RouteRegistry } from '../routing.js';
import { osFamily } from '../stats/os-family.js';
import { admission, admitAllResponse, declineBody, emptyBody, emptyObject, messageBody, ticketIdBody } from './lobby.schema.js';
import { PING_MS } from './lobby.routes.js';
import type { LobbyService } from './lobby.service.js';

const tokenErrors = {
  400: { description: 'Invalid request', schema: errorBody },
  401: { description: 'Missing or invalid practitioner token', schema: errorBody },
  403: { description: 'Origin not allowed', schema: errorBody },
  410: { description: 'The consultation ended', schema: errorBody },
};
const patientErrors = {
  404: { description: 'No such patient in this consultation', schema: errorBody },
  409: { description: 'The patient is no longer waiting', schema: errorBody },
};

/** The practitioner side, authorised by a token scoped to one consultation. */
export function practitionerRoutes(routes: RouteRegistry, ctx: AppContext, lobby: LobbyService, consultations: ConsultationService): void {
  const tags = ['practitioner'];

  routes.add(
    { method: 'get', path: '/v1/practitioner/events', summary: 'Server-sent events: the live queue (`queue`), then `ended`', auth: 'practitioner', tags,
      responses: { 200: { description: 'An event stream', contentType: 'text/event-stream' }, ...tokenErrors } },
    (req, res) => {
      const { consultation } = authenticatePractitioner(ctx, req);
      const stream = openEventStream(res, PING_MS, ctx.streams);
      stream.onClose(ctx.practitionerSlots.acquire(consultation.id, () => stream.close()));
      let last = '';
      const onChange = (id: string): void => {
        if (id !== consultation.id) return;
        const current = ctx.store.getConsultation(id);
        if (!current || current.status === 'ended') {
          stream.send('ended', {});
          return stream.close();
        }
        const data = JSON.stringify({ patients: lobby.waitingPatients(id) });
        if (data === last) return;
        last = data;
        stream.send('queue', JSON.parse(data));
      };
      const onKey = (id: string): void => {
        const current = id === consultation.id ? ctx.store.getConsultation(id) : undefined;
        const key = current && openE2eeKey(ctx.config.secret, current);
        if (key) stream.send('key', { e2eeKey: key });
      };
      ctx.bus.on('changed', onChange);
      ctx.bus.on('ended', onChange);
      ctx.bus.on('key', onKey);
      // On every (re)connect, so a rotation missed while reconnecting is caught up.
      onKey(consultation.id);
      stream.onClose(() => {
        ctx.bus.off('changed', onChange);
        ctx.bus.off('ended', onChange);
        ctx.bus.off('key', onKey);
      });
      onChange(consultation.id);
    },
  );

  routes.add(
    { method: 'post', path: '/v1/practitioner/admit', summary: 'Admit one waiting patient', auth: 'practitioner', tags, body: ticketIdBody,
      responses: { 200: { description: 'Admitted', schema: emptyObject }, ...tokenErrors, ...patientErrors } },
    (req, res) => {
      const { consultation } = authenticatePractitioner(ctx, req);
      lobby.admit(consultation, parse(ticketIdBody, body(req), 'body').ticketId);
      res.json({});
    },
  );

  routes.add(
    { method: 'post', path: '/v1/practitioner/admit-all', summary: 'Admit everyone waiting', auth: 'practitioner', tags, body: emptyBody,
      responses: { 200: { description: 'How many were admitted', schema: admitAllResponse }, ...tokenErrors } },
    (req, res) => {
      const { consultation } = authenticatePractitioner(ctx, req);
      parse(emptyBody, body(req), 'body');
      res.json({ admitted: lobby.admitAll(consultation) });
    },
  );

  routes.add(
    { method: 'post', path: '/v1/practitioner/decline', summary: 'Decline a waiting patient (or remove an admitted one)', auth: 'practitioner', tags,
      body: declineBody, responses: { 200: { description: 'Declined', schema: emptyObject }, ...tokenErrors, ...patientErrors } },
    (req, res) => {
      const { consultation } = authenticatePractitioner(ctx, req);
      const input = parse(declineBody, body(req), 'body');
      lobby.decline(consultation, input.ticketId, input.reason);
      res.json({});
    },
  );

  routes.add(
    { method: 'post', path: '/v1/practitioner/message', summary: 'Send a short message to a waiting patient', auth: 'practitioner', tags,
      body: messageBody, responses: { 200: { description: 'Sent', schema: emptyObject }, ...tokenErrors, ...patientErrors } },
    (req, res) => {
      const { consultation } = authenticatePractitioner(ctx, req);
      const input = parse(messageBody, body(req), 'body');
      lobby.message(consultation, input.ticketId, input.text);
      res.json({});
    },
  );

  routes.add(
    { method: 'post', path: '/v1/practitioner/grant', summary: "The practitioner's LiveKit grant (roomAdmin for this room only)", auth: 'practitioner',
      tags, body: emptyBody, responses: { 200: { description: 'Admission', schema: admission }, ...tokenErrors,
        502: { description: 'SFU unreachable', schema: errorBody } } },
    async (req, res) => {
      const { consultation, claims } = authenticatePractitioner(ctx, req);
      parse(emptyBody, body(req), 'body');
      const identity = `practitioner-${claims.p}`;
      ctx.store.addIssuedIdentity(consultation.id, identity, 'practitioner', osFamily(req.get('user-agent')), ctx.now());
      await consultations.ensureRoom(consultation);
      ctx.store.insertAudit({ tenantId: consultation.tenantId, at: ctx.now(), actor: 'practitioner', action: 'practitioner.grant', consultationId: consultation.id });
      res.set('Cache-Control', 'no-store').json(await ctx.grants.practitioner(consultation, identity, claims.n));
    },
  );

  routes.add(
    { method: 'post', path: '/v1/practitioner/end', summary: 'End the consultation for everyone', auth: 'practitioner', tags, body: emptyBody,
      responses: { 200: { description: 'Ended', schema: emptyObject }, ...tokenErrors } },
    async (req, res) => {
      const { consultation } = authenticatePractitioner(ctx, req, { allowEnded: true });
      parse(emptyBody, body(req), 'body');
      await consultations.end(consultation, 'practitioner');
      res.json({});
    },
  );
}
