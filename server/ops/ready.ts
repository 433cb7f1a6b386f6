/**
 * GET /v1/ready: can this instance serve consultations right now? Unlike /v1/health (the process answers),
 * it checks what a consultation needs: the store, the consultation bus and the SFU's API, each with a time
 * limit. 503 names the failing part, so a load balancer takes the instance out and an operator sees why.
 * While the server drains for shutdown it answers 503 too, before it stops accepting connections.
 */
import type { RequestHandler } from 'express';

export type Check = () => unknown;

export interface ReadyChecks {
  store: Check;
  bus: Check;
  sfu: Check;
}

const LIMIT_MS = 2000;

async function run(check: Check): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(check),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${LIMIT_MS} ms`)), LIMIT_MS);
      }),
    ]);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}

export function readyHandler(checks: ReadyChecks, draining: () => boolean): RequestHandler {
  return (_req, res, next) => {
    if (draining()) {
      res.status(503).json({ error: { code: 'draining', message: 'This instance is shutting down.' }, checks: {} });
      return;
    }
    const names = Object.keys(checks) as (keyof ReadyChecks)[];
    Promise.all(names.map((name) => run(checks[name])))
      .then((failures) => {
        const result = Object.fromEntries(names.map((name, i) => [name, failures[i] === undefined ? 'ok' : `failed: ${failures[i]}`]));
        const failed = names.filter((_, i) => failures[i] !== undefined);
        if (failed.length === 0) {
          res.json({ status: 'ready', checks: result });
          return;
        }
        const message = `Not ready: ${failed.map((name) => `${name} (${failures[names.indexOf(name)]})`).join(', ')}.`;
        res.status(503).json({ error: { code: `${failed[0]}_unavailable`, message }, checks: result });
      })
      .catch(next);
  };
}
