import type { ChildProcess } from 'node:child_process';

export const LIVEKIT_VERSION: string;
export const cacheDir: string;
export { SetupError } from './supervise.mjs';
export function findLivekitServer(): string | undefined;
export function ensureLivekitServer(options?: { log?: (line: string) => void }): string;
export function devKeys(): { apiKey: string; apiSecret: string };
export function freePort(): Promise<number>;
export function assertPortFree(port: number, what: string): Promise<void>;

export interface RunningLivekit {
  /** ws:// URL for browsers and SDKs. */
  url: string;
  /** http:// URL for the server API. */
  httpUrl: string;
  port: number;
  /** Where the node serves Prometheus metrics (0: off). */
  prometheusPort: number;
  apiKey: string;
  apiSecret: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export function startLivekit(options?: {
  port?: number;
  webhookUrl?: string;
  udpStart?: number;
  keys?: { apiKey: string; apiSecret: string };
  /** host:port of a Redis server: the node joins the cluster of all nodes on that Redis. */
  redis?: string;
  prometheusPort?: number;
  quiet?: boolean;
  log?: (line: string) => void;
}): Promise<RunningLivekit>;
