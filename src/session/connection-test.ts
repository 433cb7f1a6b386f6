/**
 * The real connection test against the SFU, loaded on demand (it pulls in livekit-client, which the patient's
 * first load does not carry). livekit-client's ConnectionCheck runs the WebSocket and TURN steps; its WebRTC
 * step only lists candidates, so the UDP and TCP steps are ours: one connection over whatever the network allows,
 * then the transport ICE actually selected, then (if that was UDP) the SFU's own "switch to TCP" to prove the
 * fallback works too.
 */
import { CheckStatus, ConnectionCheck, Room, RoomEvent, type CheckInfo } from 'livekit-client';
import type { ConnectionSteps, StepStatus } from './types.js';

/** A blocked path shows within seconds on a working network; beyond this the call would not connect either. */
const MEDIA_TIMEOUT_MS = 10_000;
const RECONNECT_TIMEOUT_MS = 10_000;

type Transport = 'udp' | 'tcp' | 'relay';

const outcome = (info: CheckInfo): StepStatus =>
  info.status === CheckStatus.SUCCESS ? 'ok' : info.status === CheckStatus.SKIPPED ? 'skipped' : 'failed';

/** The transport of the candidate pair ICE selected, on whichever peer connection is up. */
async function selectedTransport(room: Room): Promise<Transport | undefined> {
  const manager = room.engine.pcManager;
  for (const transport of [manager?.publisher, manager?.subscriber]) {
    const stats = await transport?.getStats();
    if (!stats) continue;
    let pairId = '';
    stats.forEach((s: { type: string; selectedCandidatePairId?: string; id: string; nominated?: boolean; state?: string }) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
      else if (!pairId && s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pairId = s.id;
    });
    const pair = pairId ? (stats.get(pairId) as { localCandidateId?: string } | undefined) : undefined;
    const local = pair?.localCandidateId ? (stats.get(pair.localCandidateId) as { candidateType?: string; protocol?: string }) : undefined;
    if (local) return local.candidateType === 'relay' ? 'relay' : local.protocol === 'tcp' ? 'tcp' : 'udp';
  }
  return undefined;
}

function reconnected(room: Room): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(false), RECONNECT_TIMEOUT_MS);
    const onReconnected = () => done(true);
    const onDisconnected = () => done(false);
    function done(ok: boolean) {
      clearTimeout(timer);
      room.off(RoomEvent.Reconnected, onReconnected).off(RoomEvent.Disconnected, onDisconnected);
      resolve(ok);
    }
    room.on(RoomEvent.Reconnected, onReconnected).on(RoomEvent.Disconnected, onDisconnected);
  });
}

/** UDP and TCP: which transport a plain connection uses, then whether a TCP-only one works as well. */
async function mediaPaths(url: string, token: string, signal: AbortSignal): Promise<Pick<ConnectionSteps, 'udp' | 'tcp'>> {
  const room = new Room();
  const abort = () => void room.disconnect();
  signal.addEventListener('abort', abort);
  try {
    await room.connect(url, token, { autoSubscribe: false, maxRetries: 0, peerConnectionTimeout: MEDIA_TIMEOUT_MS });
    const first = await selectedTransport(room);
    if (first !== 'udp') return { udp: 'failed', tcp: first === 'tcp' ? 'ok' : 'failed' };
    if (signal.aborted) return { udp: 'ok', tcp: 'skipped' };
    const back = reconnected(room);
    await room.simulateScenario('force-tcp');
    const tcp = (await back) && (await selectedTransport(room)) === 'tcp';
    return { udp: 'ok', tcp: tcp ? 'ok' : 'failed' };
  } catch {
    return { udp: 'failed', tcp: 'failed' };
  } finally {
    signal.removeEventListener('abort', abort);
    await room.disconnect().catch(() => undefined);
  }
}

/**
 * Runs the steps in order, reporting each as it finishes. Without a signalling connection nothing else can
 * work, so the rest is skipped. An abort (the patient was admitted) stops after the current step.
 */
export async function runConnectionTest(
  url: string,
  token: string,
  onProgress: (steps: ConnectionSteps) => void = () => undefined,
  signal: AbortSignal = new AbortController().signal,
): Promise<ConnectionSteps> {
  const steps: ConnectionSteps = { websocket: 'skipped', udp: 'skipped', tcp: 'skipped', turn: 'skipped' };
  const check = new ConnectionCheck(url, token);
  steps.websocket = outcome(await check.checkWebsocket());
  onProgress({ ...steps });
  if (steps.websocket !== 'ok' || signal.aborted) return steps;
  Object.assign(steps, await mediaPaths(url, token, signal));
  onProgress({ ...steps });
  if (signal.aborted) return steps;
  steps.turn = outcome(await check.checkTURN());
  onProgress({ ...steps });
  return steps;
}
