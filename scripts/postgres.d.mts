import type { ChildProcess } from 'node:child_process';
import { SetupError } from './supervise.mjs';

export { SetupError };
/** The folder holding postgres, initdb, pg_isready and psql (PG_BIN, /usr/lib/postgresql/<newest>/bin, PATH). */
export function findPostgresBin(): string | undefined;
export function ensurePostgresBin(): string;

export interface RunningPostgres {
  /** postgres://videoconsult:<password>@127.0.0.1:<port>/<database> */
  url: string;
  port: number;
  /** The data folder. */
  dir: string;
  /** The folder of its Unix socket (trusted local connections). */
  socketDir: string;
  bin: string;
  readonly process: ChildProcess;
  /** Runs SQL with psql over the local socket in `database` (default: the one created at start); returns its unaligned output. */
  psql(sql: string, database?: string): Promise<string>;
  /** Fast shutdown; removes a temporary data folder. */
  stop(): Promise<void>;
  /** SIGKILL, like a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data. */
  restart(): Promise<void>;
}

export function startPostgres(options?: {
  port?: number;
  dir?: string;
  database?: string;
  quiet?: boolean;
  settings?: Record<string, string>;
}): Promise<RunningPostgres>;
