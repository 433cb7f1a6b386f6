import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeServer, createApp, type AppDeps, type VideoconsultApp } from '../../server/app.js';
import { parseConfig, type Config, type ConfigInput } from '../../server/config.js';
import type { RoomService } from '../../server/context.js';
import { startPostgres } from '../../scripts/postgres.mjs';
import { sha256, testDatabase } from './helpers.js';

/**
 * A token server without an SFU, for tests of its own HTTP behaviour (limits, validation, storage): the
 * room service is a fake that accepts everything. Anything about joining a call uses startHarness().
 */
export interface LocalApp {
  base: string;
  dir: string;
  config: Config;
  server: VideoconsultApp;
  keys: { acme: string; globex: string };
  logs: string[];
  stop(): Promise<void>;
}

/** The smallest valid config, for tests of config validation. */
export const minimalConfig = {
  livekit: { url: 'ws://127.0.0.1:7880', apiKey: 'k', apiSecret: 'x'.repeat(32) },
  secret: 's'.repeat(32),
  tenants: [{ id: 't', name: 'T', apiKeySha256: ['a'.repeat(64)] }],
};

export const fakeRooms: RoomService = {
  createRoom: async () => ({}),
  deleteRoom: async () => undefined,
  removeParticipant: async () => undefined,
  listRooms: async () => [],
};

export async function startLocalApp(
  overrides: Partial<ConfigInput> & { withUploads?: boolean } = {},
  deps: AppDeps = {},
): Promise<LocalApp> {
  const { withUploads, ...configOverrides } = overrides;
  const dir = mkdtempSync(join(tmpdir(), 'vc-local-test-'));
  // VC_TEST_DATABASE=postgres: a PostgreSQL server of its own, unless the test chose its database itself.
  const pg = testDatabase === 'postgres' && !overrides.database ? await startPostgres() : undefined;
  const keys = { acme: `acme_${randomBytes(16).toString('hex')}`, globex: `globex_${randomBytes(16).toString('hex')}` };
  const config = parseConfig({
    livekit: { url: 'ws://127.0.0.1:9', apiKey: 'devkey', apiSecret: randomBytes(32).toString('hex') },
    database: pg ? { url: pg.url } : { path: join(dir, 'videoconsult.sqlite') },
    secret: randomBytes(32).toString('hex'),
    tenants: [
      { id: 'acme', name: 'Acme Health', apiKeySha256: [sha256(keys.acme)], allowedOrigins: ['https://acme.example'] },
      { id: 'globex', name: 'Globex Clinics', apiKeySha256: [sha256(keys.globex)], allowedOrigins: ['https://globex.example'] },
    ],
    sweepIntervalSeconds: 0,
    ...(withUploads ? { uploads: { directory: join(dir, 'uploads'), scan: 'off' } } : {}),
    ...configOverrides,
  });
  const logs: string[] = [];
  const server = createApp(config, { rooms: fakeRooms, log: (line) => logs.push(line), ...deps });
  const http = await new Promise<Server>((resolve, reject) => {
    const s = server.app.listen(0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    base: `http://127.0.0.1:${port}`,
    dir,
    config,
    server,
    keys,
    logs,
    async stop() {
      await closeServer(http).catch(() => undefined);
      await server.close().catch(() => undefined);
      await pg?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
