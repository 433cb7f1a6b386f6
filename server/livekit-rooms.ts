import { TwirpError } from 'livekit-server-sdk';
import type { RoomService } from './context.js';

/**
 * How long a room creation is retried while the SFU answers "unavailable". With several LiveKit nodes, a room
 * whose node just died stays mapped to it until that node's stats are 5 s old (livekit-server
 * pkg/routing/selector: AvailableSeconds, stats sent every 2 s); meanwhile CreateRoom fails with 503 after
 * about a second. Seven seconds covers that window, so the grant a rejoining browser waits for comes back as
 * soon as the room is placed on a live node, instead of failing and sending the browser into its back-off.
 */
export const CREATE_ROOM_RETRY_MS = 7000;
const PAUSE_MS = 250;

/** 5xx from a node (the hosting node does not answer), or no answer at all (fetch failed: refused, reset). */
function unavailable(error: unknown): boolean {
  return (error instanceof TwirpError && error.status >= 500) || error instanceof TypeError;
}

/** The room API with createRoom (idempotent) retried while the SFU is unavailable; other calls unchanged. */
export function retryRoomCreation(
  rooms: RoomService,
  options: { retryForMs?: number; pauseMs?: number; now?: () => number } = {},
): RoomService {
  const { retryForMs = CREATE_ROOM_RETRY_MS, pauseMs = PAUSE_MS, now = Date.now } = options;
  return {
    async createRoom(request) {
      const deadline = now() + retryForMs;
      for (;;) {
        try {
          return await rooms.createRoom(request);
        } catch (error) {
          if (!unavailable(error) || now() + pauseMs >= deadline) throw error;
          await new Promise((r) => setTimeout(r, pauseMs));
        }
      }
    },
    deleteRoom: (room) => rooms.deleteRoom(room),
    removeParticipant: (room, identity) => rooms.removeParticipant(room, identity),
    listRooms: (names) => rooms.listRooms(names),
    ...(rooms.listParticipants ? { listParticipants: rooms.listParticipants.bind(rooms) } : {}),
  };
}
