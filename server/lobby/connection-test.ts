import { AccessToken } from 'livekit-server-sdk';
import type { z } from 'zod';
import type { AppContext } from '../context.js';
import { randomId } from '../crypto.js';
import { ApiError } from '../errors.js';
import { tooMany } from '../security.js';
import type { WindowCounter } from '../shared-state.js';
import type { LobbyEntryRow } from '../store/store.js';
import type { connectionTestGrant, deviceCheck } from './lobby.schema.js';

/** Long enough for the test's four steps (each connects anew), too short to be worth stealing. */
export const CONNECTION_TEST_TTL_SECONDS = 120;
/** Per ticket: a patient may retry after fixing their network, a script cannot mint rooms without bound. */
export const CONNECTION_TESTS_PER_TICKET = 5;
export const CONNECTION_TEST_WINDOW_MS = 10 * 60_000;
/** Test rooms are never consultation rooms (`vc-…`): webhooks and the sweeper ignore them. */
export const CONNECTION_TEST_ROOM_PREFIX = 'vctest-';

/**
 * The patient's real connection test (issue 12 item 5). The SFU has auto_create off, so the server creates a
 * throwaway room per test and mints a join-only grant for it: hidden, no publishing of any kind, no subscribing,
 * no data, no admin. The browser runs the test (WebSocket, UDP, TCP, TURN) and reports the outcome, which the
 * practitioner sees in the queue.
 */
export class ConnectionTests {
  constructor(
    private readonly ctx: AppContext,
    private readonly perTicket: WindowCounter,
  ) {}

  async grant(entry: LobbyEntryRow): Promise<z.output<typeof connectionTestGrant>> {
    if (entry.status !== 'waiting') throw notWaiting();
    const wait = await this.perTicket.hit(entry.id);
    if (wait) throw tooMany(wait, 'too_many_tests', 'The connection was tested several times already. Please wait a few minutes.');
    const room = randomId(CONNECTION_TEST_ROOM_PREFIX, 9);
    try {
      // A departure timeout longer than the pause between two steps: the room must outlive each disconnect.
      await this.ctx.rooms.createRoom({ name: room, maxParticipants: 2, emptyTimeout: 60, departureTimeout: 20 });
    } catch (err) {
      this.ctx.log(`creating a connection-test room failed: ${(err as Error).message}`);
      throw new ApiError(502, 'sfu_unavailable', 'The media server could not be reached. Please try again.');
    }
    const at = new AccessToken(this.ctx.config.livekit.apiKey, this.ctx.config.livekit.apiSecret, {
      identity: randomId('test-', 9),
      ttl: CONNECTION_TEST_TTL_SECONDS,
    });
    at.addGrant({
      room,
      roomJoin: true,
      hidden: true,
      canPublish: false,
      canPublishData: false,
      canSubscribe: false,
      canUpdateOwnMetadata: false,
      roomAdmin: false,
      roomCreate: false,
      roomList: false,
      roomRecord: false,
    });
    return {
      livekitUrl: this.ctx.config.livekit.url,
      token: await at.toJwt(),
      expiresAt: new Date(this.ctx.now() + CONNECTION_TEST_TTL_SECONDS * 1000).toISOString(),
    };
  }

  /** The device check's result with the connection steps; replaces what the join carried. */
  async report(entry: LobbyEntryRow, result: z.output<typeof deviceCheck>): Promise<void> {
    if (entry.status !== 'waiting' && entry.status !== 'admitted') throw notWaiting();
    await this.ctx.store.setLobbyDeviceCheck(entry.id, JSON.stringify(result));
    this.ctx.bus.publish('changed', entry.consultationId);
  }
}

const notWaiting = (): ApiError => new ApiError(409, 'not_waiting', 'You are no longer in the waiting room.');
