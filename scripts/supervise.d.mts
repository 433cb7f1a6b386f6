import type { ChildProcess } from 'node:child_process';

export class SetupError extends Error {}

export interface Supervised {
  readonly process: ChildProcess;
  stop(graceMs?: number): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export function supervise(options: {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  quiet?: boolean;
  ready: () => Promise<boolean>;
  startTimeoutMs?: number;
  pollMs?: number;
}): Promise<Supervised>;

export function onPath(name: string): string | undefined;
export function findBinary(envVar: string, name: string, fallbacks?: string[]): string | undefined;
