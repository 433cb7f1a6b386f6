import express, { type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { TokenVerifier } from 'livekit-server-sdk';
import { ApiError } from '../errors.js';
import { bearer, parse } from '../http.js';
import { errorBody } from '../openapi.js';
import type { RouteRegistry } from '../routing.js';
import { contentDisposition, downloadParamsSchema, uploadParamsSchema } from './uploads.schema.js';
import { fileTooLargeError, type UploadService } from './uploads.service.js';

export interface UploadsRouterOptions {
  service: UploadService;
  /** The LiveKit API key and secret that signed the participants' grants (config.livekit). */
  livekit: { apiKey: string; apiSecret: string };
  /**
   * Optional extra check that the room's consultation is still running (e.g. a store lookup). The service
   * already refuses rooms it saw end; this also covers ends it never heard of (another instance, a restart).
   */
  isRoomActive?: (room: string) => boolean | Promise<boolean>;
  /** False for an identity that is no longer part of the call (declined, left): its grant may not have expired yet. */
  isParticipantAllowed?: (room: string, identity: string) => boolean | Promise<boolean>;
}

interface Participant {
  room: string;
  identity: string;
}

const uploadInfo = z.object({ id: z.string(), name: z.string(), type: z.string(), size: z.int() });
const errors = {
  401: { description: 'Missing or invalid LiveKit token', schema: errorBody },
  403: { description: 'Token for another room, or a participant no longer admitted', schema: errorBody },
  410: { description: 'The consultation ended', schema: errorBody },
};

/**
 * Files shared during a call: `POST /v1/rooms/:room/uploads` and `GET /v1/rooms/:room/uploads/:id`,
 * authorised by the participant's own LiveKit JWT for that room (`Authorization: Bearer <token>`): no
 * separate upload credential exists, and a grant for another room opens nothing here.
 */
export function uploadRoutes(routes: RouteRegistry, options: UploadsRouterOptions): void {
  const { service } = options;
  const verifier = new TokenVerifier(options.livekit.apiKey, options.livekit.apiSecret);
  const tags = ['participant'];

  const authorize: RequestHandler = (req, res, next) => {
    const { room } = parse(uploadParamsSchema, { room: req.params.room }, 'params');
    participantFor(verifier, req, room)
      .then(async (participant) => {
        if (options.isRoomActive && !(await options.isRoomActive(room))) {
          throw new ApiError(410, 'session_ended', 'This consultation has ended; its files are no longer available.');
        }
        if (options.isParticipantAllowed && !(await options.isParticipantAllowed(room, participant.identity))) {
          throw new ApiError(403, 'not_admitted', 'You are no longer part of this consultation, so its files are closed to you.');
        }
        res.locals.participant = participant;
        next();
      })
      .catch(next);
  };

  // Only after the grant checks out do we read the body: strangers cannot make us buffer megabytes.
  const rawBody = express.raw({ type: () => true, limit: service.options.maxFileBytes, inflate: false });
  const readBody: RequestHandler = (req, res, next) => {
    rawBody(req, res, (err?: unknown) => {
      if ((err as { type?: string } | undefined)?.type === 'entity.too.large') {
        // The client is still sending; close the connection after answering instead of reading it all.
        res.set('Connection', 'close');
        return next(fileTooLargeError(service.options.maxFileBytes));
      }
      next(err);
    });
  };

  routes.add(
    {
      method: 'post',
      path: '/v1/rooms/:room/uploads',
      summary: 'Share a file in the call (PDF or image; encrypted at rest)',
      auth: 'livekit',
      tags,
      rawBody: 'application/octet-stream',
      responses: {
        201: { description: 'Stored', schema: uploadInfo },
        ...errors,
        413: { description: 'Too large', schema: errorBody },
        415: { description: 'Type not allowed', schema: errorBody },
      },
    },
    async (req, res) => {
      const participant = res.locals.participant as Participant;
      const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const info = await service.upload({ room: participant.room, uploader: participant.identity, bytes, filename: req.get('x-filename') });
      res.status(201).set('Cache-Control', 'no-store').json(info);
    },
    [authorize, readBody],
  );

  routes.add(
    {
      method: 'get',
      path: '/v1/rooms/:room/uploads/:id',
      summary: 'Download a shared file',
      auth: 'livekit',
      tags,
      responses: {
        200: { description: 'The file (as an attachment)', contentType: 'application/octet-stream' },
        ...errors,
        404: { description: 'No such file', schema: errorBody },
      },
    },
    async (req, res) => {
      const { room, id } = parse(downloadParamsSchema, { room: req.params.room, id: req.params.id }, 'params');
      const file = await service.download(room, id);
      res
        .status(200)
        .set({
          // The sniffed type, never what the uploader declared.
          'Content-Type': file.type,
          'Content-Length': String(file.content.length),
          // Always a download: the SDK fetches with the bearer token and makes a blob URL anyway, so
          // inline buys nothing and would let a crafted PDF open in a viewer on our origin.
          'Content-Disposition': contentDisposition(file.name),
          'X-Content-Type-Options': 'nosniff',
          'Cache-Control': 'no-store',
          // Should anything ever render it on our origin: no scripts, no subresources, opaque origin.
          'Content-Security-Policy': "default-src 'none'; sandbox",
          'Referrer-Policy': 'no-referrer',
        })
        .end(file.content);
    },
    [authorize],
  );
}

async function participantFor(verifier: TokenVerifier, req: Request, room: string): Promise<Participant> {
  const token = bearer(req);
  if (!token) {
    throw new ApiError(401, 'unauthorized', 'Send your LiveKit token for this room as "Authorization: Bearer <token>".', {
      'WWW-Authenticate': 'Bearer',
    });
  }
  let claims;
  try {
    claims = await verifier.verify(token);
  } catch (err) {
    const expired = (err as { code?: string }).code === 'ERR_JWT_EXPIRED';
    throw new ApiError(
      401,
      expired ? 'token_expired' : 'invalid_token',
      expired ? 'Your LiveKit token has expired. Rejoin to get a fresh one.' : 'This LiveKit token is not valid.',
      { 'WWW-Authenticate': `Bearer error="invalid_token"` },
    );
  }
  const video = claims.video;
  if (!video || video.roomJoin !== true || video.room !== room || !claims.sub) {
    throw new ApiError(403, 'forbidden', 'Your token does not let you join this room, so it cannot share or open its files.');
  }
  return { room, identity: claims.sub };
}
