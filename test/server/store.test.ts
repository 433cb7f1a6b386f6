import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrations, pendingMigrations } from '../../server/store/migrations.js';
import { SqliteStore } from '../../server/store/sqlite.js';
import type { ConsultationRow } from '../../server/store/store.js';
import { storeBackends } from './store-backends.js';
import { accessCodeRow as code, audit, consultationRow as consultation, lobbyEntry as newEntry, storesOf } from './store-rows.js';

const dir = mkdtempSync(join(tmpdir(), 'vc-store-test-'));

describe('SQLite store', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('applies pending migrations to an existing database, each once, and records them', () => {
    const path = join(dir, 'old.sqlite');
    const old = new Database(path);
    old.exec('CREATE TABLE migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    old.exec(pendingMigrations('sqlite', [])[0]!.sql);
    old.prepare('INSERT INTO migrations VALUES (1, 0)').run();
    old.close();
    const store = new SqliteStore(path);
    assert.deepEqual(
      store.db.prepare('SELECT version FROM migrations ORDER BY version').pluck().all(),
      migrations.map((m) => m.version),
    );
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
});

/** The Store contract: the same tests for every backend (test/server/store-backends.ts). */
for (const backend of storeBackends()) {
  describe(`store contract (${backend.name})`, () => {
    const open = storesOf(backend);

    it('stores and reads a consultation as it was written (flags, nulls, times)', async () => {
      const { store } = await open();
      const row: ConsultationRow = {
        ...consultation('c1'),
        title: 'Follow-up',
        scheduledAt: 1_800_000_000_000,
        patientScreenShare: true,
        e2ee: false,
        e2eeKey: null,
      };
      await store.insertConsultation(row, audit);
      assert.deepEqual(await store.getConsultation('c1'), row);
      assert.equal(await store.getConsultation('nope'), undefined);
    });

    it('redeeming a code is one transaction: if creating the lobby entry fails, the code stays unused', async () => {
      const { store, committed } = await open();
      await store.insertConsultation(consultation('c1'), audit);
      await store.insertAccessCode(code('h1'), audit);
      await store.insertAccessCode(code('h2'), audit);
      const entry = newEntry('e1', 'same');
      assert.ok(await store.redeemAccessCode('h1', Date.now(), entry));
      // Same ticket hash → the insert violates UNIQUE → everything in the transaction is rolled back.
      await assert.rejects(store.redeemAccessCode('h2', Date.now(), { ...entry, id: 'e2' }));
      assert.equal(await committed("SELECT used_at FROM access_codes WHERE code_hash = 'h2'"), null);
      assert.ok(await store.redeemAccessCode('h2', Date.now(), { ...entry, id: 'e2', ticketHash: 'other' }));
    });

    it('a code redeemed at the same moment by two callers admits exactly one of them', async () => {
      const { store } = await open();
      await store.insertConsultation(consultation('c1'), audit);
      await store.insertAccessCode(code('h1'), audit);
      const results = await Promise.all([
        store.redeemAccessCode('h1', Date.now(), newEntry('a')),
        store.redeemAccessCode('h1', Date.now(), newEntry('b')),
      ]);
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal(await store.countOpenAccessCodes('c1', Date.now()), 0);
    });

    it('refuses expired codes and codes of an ended consultation; counts only open ones', async () => {
      const { store } = await open();
      await store.insertConsultation(consultation('c1'), audit);
      await store.insertAccessCode(code('old', 'c1', Date.now() - 1), audit);
      await store.insertAccessCode(code('ok1'), audit);
      await store.insertAccessCode(code('ok2'), audit);
      assert.equal(await store.countOpenAccessCodes('c1', Date.now()), 2);
      assert.equal(await store.redeemAccessCode('old', Date.now(), newEntry('a')), undefined);
      const redeemed = await store.redeemAccessCode('ok1', Date.now(), newEntry('b'));
      assert.equal(redeemed?.entry.tenantId, 't');
      assert.equal(redeemed?.consultation.id, 'c1');
      await store.endConsultation({ id: 'c1', endedAt: Date.now(), audit });
      assert.equal(await store.redeemAccessCode('ok2', Date.now(), newEntry('c')), undefined);
    });

    it('ending is idempotent and writes exactly one stats row', async () => {
      const { store, committed } = await open();
      await store.insertConsultation(consultation('c1'), audit);
      assert.equal(await store.endConsultation({ id: 'c1', endedAt: 5, audit }), true);
      assert.equal(await store.endConsultation({ id: 'c1', endedAt: 6, audit }), false);
      assert.equal(Number(await committed('SELECT COUNT(*) FROM session_stats')), 1);
      assert.equal((await store.getConsultation('c1'))?.e2eeKey, null);
    });

    it('two ends at the same moment: one of them ends it, one stats row', async () => {
      const { store, committed } = await open();
      await store.insertConsultation(consultation('c1'), audit);
      const results = await Promise.all([1, 2, 3].map((at) => store.endConsultation({ id: 'c1', endedAt: at, audit })));
      assert.deepEqual(results.filter(Boolean), [true]);
      assert.equal(Number(await committed('SELECT COUNT(*) FROM session_stats')), 1);
    });

    it('ending drops names, messages and codes, and counts who joined by OS family', async () => {
      const { store } = await open();
      await store.insertConsultation(consultation('c1'), audit);
      await store.insertAccessCode(code('h1'), audit);
      await store.insertAccessCode(code('h2'), audit);
      await store.redeemAccessCode('h1', 1000, { ...newEntry('e1'), name: 'Alice' });
      await store.addLobbyMessage('e1', 'hello', 1100, audit);
      await store.addIssuedIdentity('c1', 'patient-1', 'patient', 'ios', 1200);
      await store.addIssuedIdentity('c1', 'practitioner-1', 'practitioner', 'windows', 1200);
      await store.addIssuedIdentity('c1', 'never-joined', 'patient', 'android', 1200);
      await store.recordParticipantJoined('c1', 'patient-1', 2000);
      await store.recordParticipantJoined('c1', 'practitioner-1', 3000);
      assert.equal((await store.getConsultation('c1'))?.status, 'active');
      assert.equal((await store.getConsultation('c1'))?.startedAt, 2000);
      await store.endConsultation({ id: 'c1', endedAt: 62_000, audit });
      const entry = await store.getLobbyEntry('e1');
      assert.equal(entry?.status, 'ended');
      assert.equal(entry?.name, '');
      assert.deepEqual(await store.listLobbyMessages('e1'), []);
      assert.equal(await store.countOpenAccessCodes('c1', 0), 0);
      assert.deepEqual(await store.listStats('t', 0, 100_000), [
        { tenantId: 't', startedAt: 2000, endedAt: 62_000, durationSeconds: 60, participantCount: 2, osFamilies: { ios: 1, windows: 1 } },
      ]);
    });

    it('keeps the queue in arrival order; admission, decline and leave update it and revoke identities', async () => {
      const { store } = await open();
      await store.insertConsultation(consultation('c1'), audit);
      for (const id of ['a', 'b', 'c', 'd']) await store.insertAccessCode(code(`h-${id}`), audit);
      // b and c arrive in the same millisecond: the order of arrival decides.
      await store.redeemAccessCode('h-a', 10, newEntry('a', 'ta', 10));
      await store.redeemAccessCode('h-c', 20, newEntry('c', 'tc', 20));
      await store.redeemAccessCode('h-b', 20, newEntry('b', 'tb', 20));
      await store.redeemAccessCode('h-d', 5, newEntry('d', 'td', 5));
      assert.deepEqual(
        (await store.listLobbyEntries('c1', 'waiting')).map((e) => e.id),
        ['d', 'a', 'c', 'b'],
      );
      assert.equal((await store.getLobbyEntryByTicketHash('tc'))?.id, 'c');
      await store.addIssuedIdentity('c1', 'patient-a', 'patient', 'other', 30);
      await store.setLobbyStatus('a', 'admitted', { identity: 'patient-a', admittedAt: 40 }, audit);
      assert.equal(await store.isIdentityAllowed('c1', 'patient-a'), true);
      assert.deepEqual(
        (await store.listLobbyEntries('c1', 'admitted')).map((e) => [e.id, e.identity]),
        [['a', 'patient-a']],
      );
      await store.setLobbyStatus('a', 'left', { declineReason: null });
      assert.equal(await store.isIdentityAllowed('c1', 'patient-a'), false);
      await store.setLobbyStatus('c', 'declined', { declineReason: 'Wrong day' }, audit);
      assert.equal((await store.getLobbyEntry('c'))?.declineReason, 'Wrong day');
      assert.deepEqual(
        (await store.listLobbyEntries('c1', 'waiting')).map((e) => e.id),
        ['d', 'b'],
      );
      await store.addIssuedIdentity('c1', 'practitioner-x', 'practitioner', 'other', 50);
      await store.addIssuedIdentity('c1', 'practitioner-y', 'practitioner', 'other', 50, 'p1');
      await store.addIssuedIdentity('c1', 'practitioner-z', 'practitioner', 'other', 50, 'p1');
      const revocation = { consultationId: 'practice:p1', tokenId: '*', revokedAt: 60, expiresAt: 1000 };
      const one = { ...revocation, tokenId: 'y' };
      const covered = [{ consultationId: 'c1', identity: 'practitioner-y' }];
      assert.deepEqual(await store.revokePractitionerTokens(one, { practiceId: 'p1', identity: 'practitioner-y' }, audit), covered);
      assert.equal(await store.isIdentityAllowed('c1', 'practitioner-y'), false);
      assert.equal(await store.isIdentityAllowed('c1', 'practitioner-z'), true);
      const all = await store.revokePractitionerTokens(revocation, { practiceId: 'p1' }, audit);
      // y again (a repeated revocation retries the removal), x is no practice token's.
      assert.deepEqual(all.map((r) => `${r.consultationId}/${r.identity}`).sort(), ['c1/practitioner-y', 'c1/practitioner-z']);
      assert.equal(await store.isIdentityAllowed('c1', 'practitioner-z'), false);
      assert.equal(await store.isIdentityAllowed('c1', 'practitioner-x'), true);
      const x = { ...revocation, consultationId: 'c1', tokenId: 'x' };
      assert.deepEqual(await store.revokePractitionerTokens(x, { identity: 'practitioner-x' }, audit), [
        { consultationId: 'c1', identity: 'practitioner-x' },
      ]);
      assert.equal(await store.isIdentityAllowed('c1', 'practitioner-x'), false);
      assert.equal(await store.isIdentityAllowed('c1', 'unknown'), false);
    });

    it('a practice lists the entries of its open consultations; a transfer moves one atomically, keeping its arrival time', async () => {
      const { store } = await open();
      await store.insertConsultation({ ...consultation('r'), practiceId: 'p1', createdAt: 1 }, audit);
      await store.insertConsultation({ ...consultation('d'), practiceId: 'p1', createdAt: 2 }, audit);
      await store.insertConsultation({ ...consultation('x'), practiceId: 'p2' }, audit);
      await store.insertConsultation({ ...consultation('gone'), practiceId: 'p1', createdAt: 3 }, audit);
      for (const [hash, c] of [
        ['h-a', 'r'],
        ['h-b', 'd'],
        ['h-x', 'x'],
        ['h-g', 'gone'],
      ] as const)
        await store.insertAccessCode(code(hash, c), audit);
      await store.redeemAccessCode('h-b', 30, newEntry('b', 'tb', 30));
      await store.redeemAccessCode('h-a', 10, newEntry('a', 'ta', 10));
      await store.redeemAccessCode('h-x', 5, newEntry('x', 'tx', 5));
      await store.redeemAccessCode('h-g', 5, newEntry('g', 'tg', 5));
      await store.endConsultation({ id: 'gone', endedAt: 40, audit });
      assert.deepEqual(
        (await store.listPracticeConsultations('p1')).map((c) => c.id),
        ['r', 'd'],
      );
      assert.deepEqual(
        (await store.listPracticeEntries('p1')).map((e) => [e.id, e.consultationId]),
        [
          ['a', 'r'],
          ['b', 'd'],
        ],
      );
      await store.addIssuedIdentity('r', 'patient-a', 'patient', 'other', 20);
      await store.setLobbyStatus('a', 'admitted', { identity: 'patient-a', admittedAt: 20, admittedBy: 'Reception' }, audit);
      assert.equal((await store.getLobbyEntry('a'))?.admittedBy, 'Reception');
      const audits = [
        { ...audit, action: 'patient.transfer_out', consultationId: 'r' },
        { ...audit, action: 'patient.transfer_in', consultationId: 'd' },
      ];
      assert.equal(await store.transferLobbyEntry({ entryId: 'a', fromConsultationId: 'x', toConsultationId: 'd', audits }), undefined);
      const before = await store.transferLobbyEntry({ entryId: 'a', fromConsultationId: 'r', toConsultationId: 'd', audits });
      assert.deepEqual([before?.status, before?.identity], ['admitted', 'patient-a']);
      const moved = await store.getLobbyEntry('a');
      assert.deepEqual(
        [moved?.consultationId, moved?.status, moved?.identity, moved?.admittedBy, moved?.waitingSince],
        ['d', 'waiting', null, null, 10],
      );
      assert.equal(await store.isIdentityAllowed('r', 'patient-a'), false);
      assert.deepEqual(
        (await store.listLobbyEntries('d', 'waiting')).map((e) => e.id),
        ['a', 'b'],
      );
      assert.deepEqual(
        (await store.listAudit('t', 0, 10)).filter((a) => a.action.startsWith('patient.transfer')).map((a) => a.consultationId),
        ['r', 'd'],
      );
      // Moved already: a second transfer from the old consultation finds nothing.
      assert.equal(await store.transferLobbyEntry({ entryId: 'a', fromConsultationId: 'r', toConsultationId: 'd', audits }), undefined);
    });

    it('averages recent waits per tenant; messages come back in order', async () => {
      const { store } = await open();
      await store.insertConsultation(consultation('c1'), audit);
      for (const [id, since, admitted] of [
        ['a', 0, 10_000],
        ['b', 0, 20_000],
        ['c', 0, 30_000],
      ] as const) {
        await store.insertAccessCode(code(`h-${id}`), audit);
        await store.redeemAccessCode(`h-${id}`, 1, newEntry(id, `t-${id}`, since));
        await store.setLobbyStatus(id, 'admitted', { identity: `p-${id}`, admittedAt: admitted });
      }
      assert.deepEqual(await store.averageWaitSeconds('t', 50), { seconds: 20, samples: 3 });
      assert.deepEqual(await store.averageWaitSeconds('t', 2), { seconds: 25, samples: 2 });
      assert.deepEqual(await store.averageWaitSeconds('other', 50), { seconds: 0, samples: 0 });
      await store.addLobbyMessage('a', 'first', 1, audit);
      await store.addLobbyMessage('a', 'second', 2, audit);
      const messages = await store.listLobbyMessages('a');
      assert.deepEqual(
        messages.map((m) => m.text),
        ['first', 'second'],
      );
      assert.ok(messages[0]!.id < messages[1]!.id);
    });

    it('pages consultations newest first with a cursor, per tenant and status', async () => {
      const { store } = await open();
      const ids = ['c_A', 'c_b', 'c_B', 'c_a', 'c_-'];
      for (const id of ids) await store.insertConsultation({ ...consultation(id), createdAt: 7 }, audit);
      await store.insertConsultation({ ...consultation('other'), tenantId: 'u' }, audit);
      await store.endConsultation({ id: 'c_a', endedAt: 9, audit });
      const all: string[] = [];
      let cursor: { createdAt: number; id: string } | undefined;
      for (;;) {
        const page = await store.listConsultations('t', { limit: 2, cursor });
        all.push(...page.map((c) => c.id));
        const last = page.at(-1);
        if (page.length < 2 || !last) break;
        cursor = { createdAt: last.createdAt, id: last.id };
      }
      // Byte order of the ids (as SQLite compares them), whatever the database's locale.
      assert.deepEqual(all, [...ids].sort().reverse());
      assert.deepEqual(
        (await store.listConsultations('t', { limit: 10, status: 'ended' })).map((c) => c.id),
        ['c_a'],
      );
      assert.deepEqual((await store.listOpenConsultations()).map((c) => c.id).sort(), ['c_-', 'c_A', 'c_B', 'c_b', 'other']);
    });

    it('rotates the E2EE key only while the consultation runs', async () => {
      const { store } = await open();
      await store.insertConsultation(consultation('c1'), audit);
      await store.rotateE2eeKey('c1', 'k2', audit);
      assert.equal((await store.getConsultation('c1'))?.e2eeKey, 'k2');
      await store.endConsultation({ id: 'c1', endedAt: 5, audit });
      await store.rotateE2eeKey('c1', 'k3', audit);
      assert.equal((await store.getConsultation('c1'))?.e2eeKey, null);
    });

    it('records a webhook event id once; lists audit entries by tenant and period', async () => {
      const { store } = await open();
      assert.equal(await store.recordWebhookEvent('EV_1', 1), true);
      assert.equal(await store.recordWebhookEvent('EV_1', 2), false);
      await store.insertAudit({ ...audit, at: 10, action: 'a' });
      await store.insertAudit({ ...audit, at: 20, action: 'b', consultationId: 'c9' });
      await store.insertAudit({ ...audit, tenantId: 'u', at: 15, action: 'c' });
      assert.deepEqual(await store.listAudit('t', 10, 21), [
        { ...audit, at: 10, action: 'a' },
        { ...audit, at: 20, action: 'b', consultationId: 'c9' },
      ]);
      assert.deepEqual((await store.listAudit('t', 11, 20)).length, 0);
    });

    it('retention deletes what is older than the cutoff, and only that', async () => {
      const { store } = await open();
      await store.insertConsultation({ ...consultation('old'), createdAt: 1 }, audit);
      await store.insertAccessCode(code('h-old', 'old', 50), audit);
      await store.insertAccessCode(code('h-live', 'old', 10_000), audit);
      await store.redeemAccessCode('h-live', 10, newEntry('e-old', 't-old', 10));
      await store.endConsultation({ id: 'old', endedAt: 100, audit: { ...audit, at: 100 } });
      await store.insertConsultation({ ...consultation('new'), createdAt: 1 }, audit);
      await store.recordWebhookEvent('EV_old', 100);
      await store.recordWebhookEvent('EV_new', 2000);
      const result = await store.deleteOlderThan(1000);
      assert.deepEqual(result, { consultations: 1, accessCodes: 0, lobbyEntries: 1, audit: 5, stats: 1, webhookEvents: 1 });
      assert.equal(await store.getConsultation('old'), undefined);
      assert.ok(await store.getConsultation('new'));
      assert.equal(await store.recordWebhookEvent('EV_new', 3000), false);
    });

    it('a transaction commits once, and rolls back everything written through it when its work throws', async () => {
      const { store, committed } = await open();
      await store.insertConsultation(consultation('c1'), audit);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.insertAudit({ ...audit, action: 'inside' });
          await tx.insertAccessCode(code('h1'), audit);
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(Number(await committed("SELECT COUNT(*) FROM audit_log WHERE action = 'inside'")), 0);
      assert.equal(await store.countOpenAccessCodes('c1', 0), 0);
      const n = await store.transaction(async (tx) => {
        await tx.insertAccessCode(code('h2'), audit);
        return tx.countOpenAccessCodes('c1', 0);
      });
      assert.equal(n, 1);
      assert.equal(Number(await committed("SELECT COUNT(*) FROM access_codes WHERE code_hash = 'h2'")), 1);
    });

    it('calls from elsewhere neither see nor join an open transaction', async () => {
      const { store } = await open();
      await store.insertConsultation(consultation('c1'), audit);
      let release = (): void => undefined;
      const gate = new Promise<void>((r) => (release = r));
      const tx = store.transaction(async (t) => {
        await t.insertAccessCode(code('h1'), audit);
        await gate;
        throw new Error('rolled back');
      });
      // Give the transaction time to write; an outside read must not see its uncommitted code.
      await new Promise((r) => setTimeout(r, 50));
      const outside = store.countOpenAccessCodes('c1', 0);
      const outsideWrite = store.insertAudit({ ...audit, action: 'outside' });
      release();
      await assert.rejects(tx, /rolled back/);
      assert.equal(await outside, 0);
      await outsideWrite;
      assert.equal(
        (await store.listAudit('t', 0, 10)).filter((a) => a.action === 'outside').length,
        1,
        'an outside write is not rolled back with it',
      );
    });
  });
}

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
    const rooms = {
      createRoom: async () => ({}),
      deleteRoom: async () => undefined,
      removeParticipant: async () => undefined,
      listRooms: async () => [],
    };
    const server = createApp(config, { rooms, now: () => clock, log: () => undefined });
    const http = server.app.listen(0, '127.0.0.1');
    await new Promise((r) => http.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
      const created = (await (
        await fetch(`${base}/v1/consultations`, {
          method: 'POST',
          headers: { authorization: 'Bearer key', 'content-type': 'application/json' },
          body: '{}',
        })
      ).json()) as { id: string };
      const status = async (): Promise<string> =>
        (
          (await (await fetch(`${base}/v1/consultations/${created.id}`, { headers: { authorization: 'Bearer key' } })).json()) as {
            status: string;
          }
        ).status;
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
