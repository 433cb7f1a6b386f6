/** Camera, microphone and network probing for the device check. Framework-free; no LiveKit involved. */
import type { ConnectionSteps, DeviceCheckResult, DeviceStatus, NetworkStatus } from './types.js';

export interface Acquired {
  status: DeviceStatus;
  track?: MediaStreamTrack;
}

export function classifyMediaError(error: unknown): DeviceStatus {
  const name = (error as { name?: string } | null)?.name ?? '';
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') return 'denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError') return 'missing';
  if (name === 'NotReadableError' || name === 'AbortError' || name === 'TrackStartError') return 'busy';
  return 'missing';
}

/** Asks for one kind at a time, so a missing camera does not cost the patient their microphone. */
export async function acquire(kind: 'audio' | 'video', deviceId?: string): Promise<Acquired> {
  if (!navigator.mediaDevices?.getUserMedia) return { status: 'missing' };
  const constraints: MediaTrackConstraints | boolean = deviceId ? { deviceId: { exact: deviceId } } : true;
  try {
    const stream = await navigator.mediaDevices.getUserMedia(kind === 'audio' ? { audio: constraints } : { video: constraints });
    const track = stream.getTracks()[0];
    return track ? { status: 'ok', track } : { status: 'missing' };
  } catch (error) {
    return { status: classifyMediaError(error) };
  }
}

export interface DeviceLists {
  cameras: MediaDeviceInfo[];
  microphones: MediaDeviceInfo[];
  speakers: MediaDeviceInfo[];
}

export async function listDevices(): Promise<DeviceLists> {
  const devices = (await navigator.mediaDevices?.enumerateDevices?.()) ?? [];
  const named = devices.filter((d) => d.deviceId);
  return {
    cameras: named.filter((d) => d.kind === 'videoinput'),
    microphones: named.filter((d) => d.kind === 'audioinput'),
    speakers: named.filter((d) => d.kind === 'audiooutput'),
  };
}

/** Reachability of the SFU over HTTP(S); `unknown` when no URL is configured. */
export async function checkNetwork(livekitUrl: string | undefined, timeoutMs = 8000): Promise<NetworkStatus> {
  if (!livekitUrl) return 'unknown';
  let url: string;
  try {
    const parsed = new URL(livekitUrl);
    parsed.protocol = parsed.protocol === 'wss:' ? 'https:' : parsed.protocol === 'ws:' ? 'http:' : parsed.protocol;
    url = parsed.href;
  } catch {
    return 'unknown';
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    await fetch(url, { mode: 'no-cors', cache: 'no-store', credentials: 'omit', signal: controller.signal });
    return 'ok';
  } catch {
    return 'blocked';
  } finally {
    clearTimeout(timer);
  }
}

export function computeVerdict(camera: DeviceStatus, microphone: DeviceStatus, network: NetworkStatus): DeviceCheckResult {
  const verdict = microphone !== 'ok' || network === 'blocked' ? 'failed' : camera !== 'ok' ? 'warning' : 'ok';
  return { verdict, camera, microphone, network };
}

/**
 * The device check with the connection test's steps. No signalling, or no media path at all, is a blocked
 * network; UDP blocked while TCP or TURN works is a warning (the call connects, maybe less smoothly). Without
 * an earlier device check (a host that joined directly) the devices count as skipped and only the network decides.
 */
export function withConnection(result: DeviceCheckResult | undefined, connection: ConnectionSteps): DeviceCheckResult {
  const network: NetworkStatus = connectionPath(connection) === 'blocked' ? 'blocked' : 'ok';
  const camera = result?.camera ?? 'skipped';
  const microphone = result?.microphone ?? 'skipped';
  const devices = result ? computeVerdict(camera, microphone, network).verdict : network === 'blocked' ? 'failed' : 'ok';
  const verdict = devices === 'ok' && connection.udp !== 'ok' ? 'warning' : devices;
  return { verdict, camera, microphone, network, connection };
}

export type ConnectionPath = 'ok' | 'tcp' | 'relay' | 'blocked';

/** How a call would get through: directly over UDP, over the TCP fallback, only through the relay, or not at all. */
export function connectionPath(steps: ConnectionSteps): ConnectionPath {
  if (steps.websocket !== 'ok') return 'blocked';
  if (steps.udp === 'ok') return 'ok';
  if (steps.tcp === 'ok') return 'tcp';
  return steps.turn === 'ok' ? 'relay' : 'blocked';
}

/**
 * The camera after `currentId` in the list, wrapping around: one tap goes front → back (→ the next lens) on a
 * phone, or to the next webcam. Undefined with fewer than two cameras.
 */
export function nextCamera(cameras: readonly MediaDeviceInfo[], currentId: string | undefined): MediaDeviceInfo | undefined {
  if (cameras.length < 2) return undefined;
  const index = cameras.findIndex((camera) => camera.deviceId === currentId);
  return cameras[(index + 1) % cameras.length];
}
