import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrations } from '../../server/store/migrations.js';
import { SqliteStore } from '../../server/store/sqlite.js';
import type { ConsultationRow } from '../../server/store/store.js';

const dir = mkdtempSync(join(tmpdir(), 'vc-store-test-'));
const audit = { tenantId: 't', at: 1, actor: 'integrator' as const, action: 'x', consultationId: null };

function consultation(id: string): ConsultationRow {
  return {
    id, tenantId: 't', roomName: `vc-${id}`, title: null, status: 'scheduled', scheduledAt: null, createdAt: 1, startedAt: null,
    endedAt: null, maxParticipants: 4, patientScreenShare: false, e2ee: true, locale: 'en', e2eeKey: 'k',
  };
}

describe('SQLite store', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('applies pending migrations to an existing database, each once, and records them', () => {
    const path = join(dir, 'old.sqlite');
    const old = new Database(path);
    old.exec('CREATE TABLE migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    old.exec(migrations[0]!.sql);
    old.prepare('INSERT INTO migrations VALUES (1, 0)').run();
    old.close();
    const store = new SqliteStore(path);
    assert.deepEqual(store.db.prepare('SELECT version FROM migrations ORDER BY version').pluck().all(), migrations.map((m) => m.version));
    const columns = store.db.prepare("SELECT name FROM pragma_table_info('lobby_entries')").pluck().all();
    assert.ok(columns.includes('admitted_at'));
    store.close();
    new SqliteStore(path).close(); // a second open applies nothing (would throw on a duplicate column)
  });

  it('accepts :memory:', async () => {
    const store = new SqliteStore(':memory:');
    await store.insertConsultation(consultation('c1'), audit);
    assert.equal((await store.getConsultation('c1'))?.roomName, 'vc-c1');
    store.close();
  });

  it('redeeming a code is one transaction: if creating the lobby entry fails, the code stays unused', async () => {
    const store = new SqliteStore(':memory:');
    await store.insertConsultation(consultation('c1'), audit);
    await store.insertAccessCode({ codeHash: 'h1', consultationId: 'c1', tenantId: 't', alias: null, createdAt: 1, expiresAt: Date.now() + 60_000, usedAt: null }, audit);
    await store.insertAccessCode({ codeHash: 'h2', consultationId: 'c1', tenantId: 't', alias: null, createdAt: 1, expiresAt: Date.now() + 60_000, usedAt: null }, audit);
    const entry = { id: 'e1', ticketHash: 'same', name: 'n', status: 'waiting' as const, waitingSince: 1, deviceCheck: null, identity: null, declineReason: null, osFamily: 'other' };
    assert.ok(await store.redeemAccessCode('h1', Date.now(), entry));
    // Same ticket hash → the insert violates UNIQUE → everything in the transaction is rolled back.
    await assert.rejects(store.redeemAccessCode('h2', Date.now(), { ...entry, id: 'e2' }));
    assert.equal(store.db.prepare("SELECT used_at FROM access_codes WHERE code_hash = 'h2'").pluck().get(), null);
    assert.ok(await store.redeemAccessCode('h2', Date.now(), { ...entry, id: 'e2', ticketHash: 'other' }));
    store.close();
  });

  it('a thread of its own copies committed pages from the WAL into the database file (the writer does not)', async () => {
    const path = join(dir, 'checkpoint.sqlite');
    const store = new SqliteStore(path);
    await store.insertAudit({ ...audit, tenantId: 'checkpointed' });
    // A copy of the database file without its WAL holds only what was checkpointed.
    const inFile = (): unknown => {
      copyFileSync(path, `${path}.copy`);
      const raw = new Database(`${path}.copy`, { readonly: true });
      try {
        return raw.prepare("SELECT COUNT(*) FROM audit_log WHERE tenant_id = 'checkpointed'").pluck().get();
      } catch {
        return 0; // not even the tables are in the file yet
      } finally {
        raw.close();
      }
    };
    assert.equal(inFile(), 0);
    const deadline = Date.now() + 5000;
    while (inFile() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(inFile(), 1);
    store.close();
  });

  it('ending is idempotent and writes exactly one stats row', async () => {
    const store = new SqliteStore(':memory:');
    await store.insertConsultation(consultation('c1'), audit);
    assert.equal(await store.endConsultation({ id: 'c1', endedAt: 5, audit }), true);
    assert.equal(await store.endConsultation({ id: 'c1', endedAt: 6, audit }), false);
    assert.equal(store.db.prepare('SELECT COUNT(*) FROM session_stats').pluck().get(), 1);
    assert.equal((await store.getConsultation('c1'))?.e2eeKey, null);
    store.close();
  });
});

describe('SQLite store files', () => {
  it('are readable by the owner only', async () => {
    const { statSync } = await import('node:fs');
    const base = mkdtempSync(join(tmpdir(), 'vc-store-perm-'));
    try {
      const path = join(base, 'nested', 'db.sqlite');
      const store = new SqliteStore(path);
      await store.insertConsultation(consultation('c1'), audit);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.equal(statSync(`${path}-wal`).mode & 0o777, 0o600);
      assert.equal(statSync(join(base, 'nested')).mode & 0o777, 0o700);
      store.close();
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('the sweeper timer', () => {
  it('runs by itself every sweepIntervalSeconds and ends stale consultations', async () => {
    const { createApp } = await import('../../server/app.js');
    const { parseConfig } = await import('../../server/config.js');
    const { sha256 } = await import('./helpers.js');
    let clock = Date.now();
    const config = parseConfig({
      livekit: { url: 'ws://127.0.0.1:9', apiKey: 'k', apiSecret: 'x'.repeat(32) },
      secret: 's'.repeat(32),
      database: { path: ':memory:' },
      tenants: [{ id: 't', name: 'T', apiKeySha256: [sha256('key')] }],
      sweepIntervalSeconds: 1,
      staleAfterHours: 1,
    });
    const rooms = { createRoom: async () => ({}), deleteRoom: async () => undefined, removeParticipant: async () => undefined, listRooms: async () => [] };
    const server = createApp(config, { rooms, now: () => clock, log: () => undefined });
    const http = server.app.listen(0, '127.0.0.1');
    await new Promise((r) => http.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
      const created = (await (await fetch(`${base}/v1/consultations`, { method: 'POST', headers: { authorization: 'Bearer key', 'content-type': 'application/json' }, body: '{}' })).json()) as { id: string };
      const status = async (): Promise<string> => ((await (await fetch(`${base}/v1/consultations/${created.id}`, { headers: { authorization: 'Bearer key' } })).json()) as { status: string }).status;
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(await status(), 'scheduled');
      clock += 2 * 3_600_000;
      const deadline = Date.now() + 5000;
      while ((await status()) !== 'ended') {
        assert.ok(Date.now() < deadline, 'the sweeper did not end the stale consultation within 5 s');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
      await server.close();
    }
  });
});
