import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TwirpError, type CreateOptions } from 'livekit-server-sdk';
import type { RoomService } from '../../server/context.js';
import { retryRoomCreation } from '../../server/livekit-rooms.js';

/** A room API whose createRoom fails with the given errors first, then succeeds. */
function flaky(errors: unknown[]): RoomService & { calls: number } {
  const fake = {
    calls: 0,
    async createRoom(options: CreateOptions) {
      fake.calls++;
      const error = errors.shift();
      if (error) throw error;
      return { name: options.name };
    },
    async deleteRoom() {},
    async removeParticipant() {},
    async listRooms() {
      return [{ name: 'listed' }];
    },
  };
  return fake;
}

const noResponse = () => new TwirpError('Service Unavailable', 'no response from servers', 503, 'unknown');

test('createRoom is retried while the SFU answers 503 or cannot be reached, then succeeds', async () => {
  const rooms = flaky([noResponse(), new TypeError('fetch failed'), noResponse()]);
  const created = await retryRoomCreation(rooms, { pauseMs: 1 }).createRoom({ name: 'r' });
  assert.deepEqual(created, { name: 'r' });
  assert.equal(rooms.calls, 4);
});

test('a refusal that retrying cannot fix (4xx) fails at once', async () => {
  const rooms = flaky([new TwirpError('Unauthorized', 'invalid token', 401, 'unauthenticated')]);
  await assert.rejects(retryRoomCreation(rooms, { pauseMs: 1 }).createRoom({ name: 'r' }), /invalid token/);
  assert.equal(rooms.calls, 1);
});

test('retries stop once the window has passed, with the last error', async () => {
  let clock = 0;
  const rooms = flaky(Array.from({ length: 100 }, noResponse));
  const wrapped = retryRoomCreation(
    { ...rooms, createRoom: (o) => ((clock += 1000), rooms.createRoom(o)) },
    { retryForMs: 3500, pauseMs: 1, now: () => clock },
  );
  await assert.rejects(wrapped.createRoom({ name: 'r' }), /no response from servers/);
  assert.equal(rooms.calls, 4);
});

test('the other calls pass through unchanged', async () => {
  assert.deepEqual(await retryRoomCreation(flaky([])).listRooms(), [{ name: 'listed' }]);
});
