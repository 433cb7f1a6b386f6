import { authenticatePractitioner } from '../auth.js';
import type { ConsultationService } from '../consultations/consultations.service.js';
import type { AppContext } from '../context.js';
import { errorBody } from '../openapi.js';
import type { RouteRegistry } from '../routing.js';
import { osFamily } from '../stats/os-family.js';
import { admission, admitAllResponse, declineBody, emptyBody, emptyObject, messageBody, noticeBody, ticketIdBody } from './lobby.schema.js';
import type { LobbyService } from './lobby.service.js';
import type { LobbyStreams } from './lobby.streams.js';

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
export function practitionerRoutes(
  routes: RouteRegistry,
  ctx: AppContext,
  lobby: LobbyService,
  consultations: ConsultationService,
  streams: LobbyStreams,
): void {
  const tags = ['practitioner'];

  routes.add(
    {
      method: 'get',
      path: '/v1/practitioner/events',
      summary: 'Server-sent events: the live queue (`queue`), rotated keys (`key`), then `ended`, `revoked` or `expired` (the token)',
      auth: 'practitioner',
      tags,
      responses: { 200: { description: 'An event stream', contentType: 'text/event-stream' }, ...tokenErrors },
    },
    async (req, res) => {
      const { consultation, claims } = await authenticatePractitioner(ctx, req);
      streams.practitioner(res, consultation.id, ctx.revocations.streamToken(claims));
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/v1/practitioner/admit',
      summary: 'Admit one waiting patient',
      auth: 'practitioner',
      tags,
      body: ticketIdBody,
      responses: { 200: { description: 'Admitted', schema: emptyObject }, ...tokenErrors, ...patientErrors },
    },
    async (req, res, input) => {
      const { consultation, claims } = await authenticatePractitioner(ctx, req);
      await lobby.admit(consultation, input.body().ticketId, claims.n);
      res.json({});
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/v1/practitioner/admit-all',
      summary: 'Admit everyone waiting',
      auth: 'practitioner',
      tags,
      body: emptyBody,
      responses: { 200: { description: 'How many were admitted', schema: admitAllResponse }, ...tokenErrors },
    },
    async (req, res, input) => {
      const { consultation, claims } = await authenticatePractitioner(ctx, req);
      input.body();
      res.json({ admitted: await lobby.admitAll(consultation, claims.n) });
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/v1/practitioner/decline',
      summary: 'Decline a waiting patient (or remove an admitted one)',
      auth: 'practitioner',
      tags,
      body: declineBody,
      responses: { 200: { description: 'Declined', schema: emptyObject }, ...tokenErrors, ...patientErrors },
    },
    async (req, res, input) => {
      const { consultation } = await authenticatePractitioner(ctx, req);
      const { ticketId, reason } = input.body();
      await lobby.decline(consultation, ticketId, reason);
      res.json({});
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/v1/practitioner/message',
      summary: 'Send a short message to a waiting patient',
      auth: 'practitioner',
      tags,
      body: messageBody,
      responses: { 200: { description: 'Sent', schema: emptyObject }, ...tokenErrors, ...patientErrors },
    },
    async (req, res, input) => {
      const { consultation } = await authenticatePractitioner(ctx, req);
      const { ticketId, text } = input.body();
      await lobby.message(consultation, ticketId, text);
      res.json({});
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/v1/practitioner/notice',
      summary: 'Set (or with `text: null` clear) the note everyone waiting sees',
      auth: 'practitioner',
      tags,
      body: noticeBody,
      responses: { 200: { description: 'Set; every waiting patient gets it at once', schema: emptyObject }, ...tokenErrors },
    },
    async (req, res, input) => {
      const { consultation } = await authenticatePractitioner(ctx, req);
      await lobby.setNotice(consultation, input.body().text);
      res.json({});
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/v1/practitioner/grant',
      summary: "The practitioner's LiveKit grant (roomAdmin for this room only)",
      auth: 'practitioner',
      tags,
      body: emptyBody,
      responses: {
        200: { description: 'Admission', schema: admission },
        ...tokenErrors,
        502: { description: 'SFU unreachable', schema: errorBody },
      },
    },
    async (req, res, input) => {
      const { consultation, claims } = await authenticatePractitioner(ctx, req);
      input.body();
      const practitioner = { id: claims.p, name: claims.n, practiceId: claims.pr };
      const grant = await consultations.practitionerGrant(consultation, practitioner, osFamily(req.get('user-agent')));
      res.set('Cache-Control', 'no-store').json(grant);
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/v1/practitioner/end',
      summary: 'End the consultation for everyone',
      auth: 'practitioner',
      tags,
      body: emptyBody,
      responses: { 200: { description: 'Ended', schema: emptyObject }, ...tokenErrors },
    },
    async (req, res, input) => {
      const { consultation } = await authenticatePractitioner(ctx, req, { allowEnded: true });
      input.body();
      await consultations.end(consultation, 'practitioner');
      res.json({});
    },
  );
}
