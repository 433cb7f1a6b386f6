import { authenticateTicket } from '../auth.js';
import type { AppContext } from '../context.js';
import { errorBody } from '../openapi.js';
import type { RouteRegistry } from '../routing.js';
import { clientKey } from '../client-key.js';
import { osFamily } from '../stats/os-family.js';
import type { ConnectionTests } from './connection-test.js';
import {
  admission,
  connectionTestGrant,
  deviceCheck,
  emptyBody,
  emptyObject,
  joinBody,
  joinResponse,
  leaveBody,
  ratingBody,
} from './lobby.schema.js';
import { guessBucket } from './guess-budget.js';
import type { LobbyService } from './lobby.service.js';
import type { LobbyStreams } from './lobby.streams.js';

const ticketErrors = {
  401: { description: 'Unknown ticket', schema: errorBody },
  403: { description: 'Origin not allowed', schema: errorBody },
};

/** The patient side. No LiveKit token exists for a patient until the practitioner admits them. */
export function lobbyRoutes(
  routes: RouteRegistry,
  ctx: AppContext,
  lobby: LobbyService,
  streams: LobbyStreams,
  connectionTests: ConnectionTests,
): void {
  const tags = ['patient'];

  routes.add(
    {
      method: 'post',
      path: '/v1/lobby/join',
      summary: 'Redeem an access code for a waiting-room ticket',
      auth: 'none',
      tags,
      body: joinBody,
      responses: {
        201: { description: 'In the waiting room', schema: joinResponse },
        400: { description: 'Invalid request', schema: errorBody },
        404: { description: 'Wrong, expired or used code (indistinguishable)', schema: errorBody },
        429: { description: 'Too many attempts; see Retry-After', schema: errorBody },
      },
    },
    async (req, res, input) => {
      const { ticket, entry, consultation } = await lobby.join(
        clientKey(req),
        guessBucket(ctx.config, req.get('origin')),
        input.body(),
        osFamily(req.get('user-agent')),
      );
      res
        .status(201)
        .set('Cache-Control', 'no-store')
        .json({
          ticket,
          ticketId: entry.id,
          livekitUrl: ctx.config.livekit.url,
          consultation: {
            id: consultation.id,
            ...(consultation.title ? { title: consultation.title } : {}),
            locale: consultation.locale,
            e2ee: consultation.e2ee,
          },
        });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/v1/lobby/events',
      summary: 'Server-sent events: queue, message, notice, admitted, declined, ended',
      auth: 'ticket',
      tags,
      responses: { 200: { description: 'An event stream', contentType: 'text/event-stream' }, ...ticketErrors },
    },
    async (req, res) => {
      const { entry } = await authenticateTicket(ctx, req);
      // The page is here again (a reload resumes with its ticket): a departure it announced is called off.
      await lobby.departures.returned(entry);
      streams.patient(res, entry, req.get('last-event-id'));
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/v1/lobby/grant',
      summary: 'A fresh LiveKit grant, once admitted',
      auth: 'ticket',
      tags,
      body: emptyBody,
      responses: {
        200: { description: 'Admission', schema: admission },
        ...ticketErrors,
        410: { description: 'The consultation ended', schema: errorBody },
      },
    },
    async (req, res, input) => {
      const { entry, consultation } = await authenticateTicket(ctx, req);
      input.body();
      res.set('Cache-Control', 'no-store').json(await lobby.patientGrant(entry, consultation));
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/v1/lobby/leave',
      summary: 'Leave the waiting room or the call (or, with reason page_closed, after a grace period unless the page comes back)',
      auth: 'ticket',
      tags,
      body: leaveBody,
      responses: {
        202: { description: 'page_closed: the patient leaves after the grace period unless their page comes back' },
        204: { description: 'Left' },
        ...ticketErrors,
      },
    },
    async (req, res, input) => {
      const { entry } = await authenticateTicket(ctx, req);
      const { reason = 'left' } = input.body();
      if (reason === 'page_closed') {
        await lobby.departures.departing(entry);
        res.status(202).end();
      } else {
        await lobby.leave(entry);
        res.status(204).end();
      }
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/v1/lobby/connection-test',
      summary: 'A short-lived grant for the connection test: a throwaway room, no media, nothing to subscribe to',
      auth: 'ticket',
      tags,
      body: emptyBody,
      responses: {
        201: { description: 'Grant for the test room', schema: connectionTestGrant },
        ...ticketErrors,
        409: { description: 'No longer waiting', schema: errorBody },
        429: { description: 'Too many tests for this ticket (code too_many_tests); see Retry-After', schema: errorBody },
        502: { description: 'The SFU could not be reached', schema: errorBody },
      },
    },
    async (req, res, input) => {
      const { entry } = await authenticateTicket(ctx, req);
      input.body();
      res
        .status(201)
        .set('Cache-Control', 'no-store')
        .json(await connectionTests.grant(entry));
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/v1/lobby/device-check',
      summary: "Report the device check again, with the connection test's steps (shown in the practitioner's queue)",
      auth: 'ticket',
      tags,
      body: deviceCheck,
      responses: {
        204: { description: 'Stored' },
        400: { description: 'Invalid request', schema: errorBody },
        ...ticketErrors,
        409: { description: 'No longer waiting', schema: errorBody },
      },
    },
    async (req, res, input) => {
      const { entry } = await authenticateTicket(ctx, req);
      await connectionTests.report(entry, input.body());
      res.status(204).end();
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/v1/lobby/rating',
      summary: "The patient's one-tap connection rating (anonymous stats only)",
      auth: 'ticket',
      tags,
      body: ratingBody,
      responses: {
        200: { description: 'Counted', schema: emptyObject },
        400: { description: 'Invalid request', schema: errorBody },
        ...ticketErrors,
        409: { description: 'This ticket already rated', schema: errorBody },
      },
    },
    async (req, res, input) => {
      const { entry } = await authenticateTicket(ctx, req);
      await lobby.rate(entry, input.body().rating);
      res.json({});
    },
  );
}
