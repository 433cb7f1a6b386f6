/**
 * The few ways the PostgreSQL store talks to `pg` (node-postgres): one statement on the pool or on a checked-out
 * client, and one transaction on one checked-out client. Errors of the database itself (down, unreachable, too
 * slow) are told apart from errors of a request here, so that both callers and the pool treat them alike.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { SqlRow } from './rows.js';

/** The pool (each statement on whichever connection is free) or one checked-out client (a transaction). */
export interface Queryable {
  query<R extends pg.QueryResultRow>(config: pg.QueryConfig<unknown[]>): Promise<pg.QueryResult<R>>;
}

/**
 * Statements are prepared once per connection under a name derived from their text (as the porsager driver did
 * by itself): parsing and planning each lobby join's statements again cost throughput (bench: lobby join).
 */
const names = new Map<string, string>();
function statement(text: string, values: unknown[]): pg.QueryConfig<unknown[]> {
  let name = names.get(text);
  if (!name) {
    name = `vc_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
    names.set(text, name);
  }
  return { name, text, values };
}

/** The rows of one statement; `$1`, `$2`… in `text` are `values` in order, sent apart from the text. */
export async function rows(q: Queryable, text: string, values: unknown[] = []): Promise<SqlRow[]> {
  return (await q.query<SqlRow>(statement(text, values))).rows;
}

export async function one(q: Queryable, text: string, values: unknown[] = []): Promise<SqlRow | undefined> {
  return (await rows(q, text, values))[0];
}

/** How many rows one INSERT, UPDATE or DELETE changed. */
export async function count(q: Queryable, text: string, values: unknown[] = []): Promise<number> {
  return (await q.query(statement(text, values))).rowCount ?? 0;
}

/** `$1`, `$2`…: PostgreSQL's placeholders for shared INSERT texts (rows.ts). */
export const placeholder = (i: number): string => `$${i + 1}`;

/** Connection failures, shutdowns, timeouts and exhausted resources: the database, not the request, is at fault. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'ENOENT',
  // SQLSTATE: admin/crash shutdown, cannot connect now, statement timeout, too many connections, out of resources.
  '57P01',
  '57P02',
  '57P03',
  '57014',
  '53300',
  '53100',
  '53200',
]);

/**
 * What `pg` and `pg-pool` throw, without a code, when a connection is lost, cannot be made or acquired in time
 * (connectionTimeoutMillis), or a read does not come back in time (query_timeout).
 */
const UNAVAILABLE_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Client was closed|Cannot use a pool after calling end)/;

export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  // SQLSTATE class 08: connection exceptions.
  if (typeof code === 'string') return UNAVAILABLE_CODES.has(code) || code.startsWith('08');
  return UNAVAILABLE_MESSAGES.test(err.message);
}

/**
 * Runs `fn` between BEGIN and COMMIT (ROLLBACK when it throws) on one client checked out of the pool: BEGIN and
 * COMMIT through `pool.query` could land on different connections. The client always goes back; one whose
 * connection failed is destroyed instead of being handed to the next caller.
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: Queryable) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // While a client is checked out the pool does not listen for its errors: a connection lost now (PostgreSQL
  // restarting) would otherwise be an unhandled 'error' event, which ends the process.
  let broken: Error | undefined;
  const onError = (err: Error): void => {
    broken = err;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    if (isUnavailable(err)) broken ??= err as Error;
    if (!broken) {
      await client.query('ROLLBACK').catch((rollbackFailed: unknown) => {
        broken = rollbackFailed instanceof Error ? rollbackFailed : new Error('ROLLBACK failed');
      });
    }
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
