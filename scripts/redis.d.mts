import type { ChildProcess } from 'node:child_process';
import { SetupError } from './supervise.mjs';

export { SetupError };
export function findRedisServer(): string | undefined;
export function ensureRedisServer(): string;
/** One PING over a raw socket to 127.0.0.1:port; true on +PONG. */
export function ping(port: number, timeoutMs?: number): Promise<boolean>;

export interface RunningRedis {
  /** redis://127.0.0.1:port */
  url: string;
  port: number;
  /** Its working folder (nothing is written there: persistence is off). */
  dir: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export function startRedis(options?: { port?: number; dir?: string; quiet?: boolean }): Promise<RunningRedis>;
