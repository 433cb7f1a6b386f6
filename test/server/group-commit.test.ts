import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { parseConfig } from '../../server/config.js';
import { accessCodeHash } from '../../server/consultations/consultations.service.js';
import type { ConsultationService } from '../../server/consultations/consultations.service.js';
import type { AppContext } from '../../server/context.js';
import { ApiError } from '../../server/errors.js';
import { NO_TENANT_BUCKET } from '../../server/lobby/guess-budget.js';
import { LobbyService } from '../../server/lobby/lobby.service.js';
import { GroupCommit } from '../../server/store/group-commit.js';
import { InProcessBus, MemoryWindowCounter } from '../../server/shared-state.js';
import { SqliteStore } from '../../server/store/sqlite.js';
import type { ConsultationRow, LobbyEntryRow, RedeemedCode, StoreOps } from '../../server/store/store.js';
import { call, createConsultation, issueCode, startHarness, type Harness } from './helpers.js';

const audit = { tenantId: 't', at: 1, actor: 'integrator' as const, action: 'x', consultationId: null };
const consultation: ConsultationRow = {
  id: 'c1', tenantId: 't', roomName: 'vc-c1', title: null, status: 'scheduled', scheduledAt: null, createdAt: 1, startedAt: null,
  endedAt: null, maxParticipants: 4, patientScreenShare: false, e2ee: true, locale: 'en', e2eeKey: 'k',
};
type NewEntry = Omit<LobbyEntryRow, 'consultationId' | 'tenantId' | 'alias'>;
const entry = (id: string, ticketHash = `th-${id}`): NewEntry => ({
  id, ticketHash, name: 'n', status: 'waiting', waitingSince: 1, deviceCheck: null, identity: null, declineReason: null, osFamily: 'other',
});

describe('group commit (store level)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-group-commit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function storeWithCodes(name: string, codes: string[]): Promise<SqliteStore> {
    const store = new SqliteStore(join(dir, `${name}.sqlite`));
    await store.insertConsultation(consultation, audit);
    for (const codeHash of codes) {
      await store.insertAccessCode({ codeHash, consultationId: 'c1', tenantId: 't', alias: null, createdAt: 1, expiresAt: Date.now() + 60_000, usedAt: null }, audit);
    }
    return store;
  }
  const usedAt = (store: SqliteStore, codeHash: string): unknown =>
    store.db.prepare('SELECT used_at FROM access_codes WHERE code_hash = ?').pluck().get(codeHash);

  it('joins submitted together commit in one transaction, and each settles only once that commit is on disk', async () => {
    const store = await storeWithCodes('together', ['h1', 'h2', 'h3']);
    let transactions = 0;
    const counted = { transaction: <T>(fn: (tx: StoreOps) => Promise<T>): Promise<T> => (transactions++, store.transaction(fn)) };
    const batcher = new GroupCommit(counted, (tx: StoreOps, i: { code: string; entry: NewEntry }) => tx.redeemAccessCode(i.code, Date.now(), i.entry));
    // A second connection sees only what was committed.
    const reader = new Database(store.db.name, { readonly: true });
    const committed = (code: string): unknown => reader.prepare('SELECT used_at FROM access_codes WHERE code_hash = ?').pluck().get(code);
    const results = await Promise.all(
      ['h1', 'h2', 'h3'].map((code, i) =>
        batcher.submit({ code, entry: entry(`e${i}`) }).then((r) => {
          assert.equal(store.db.inTransaction, false);
          assert.notEqual(committed(code), null, `${code} answered before its commit`);
          return r;
        }),
      ),
    );
    assert.equal(transactions, 1);
    assert.deepEqual(results.map((r) => r?.entry.id), ['e0', 'e1', 'e2']);
    assert.deepEqual(results.map((r) => r?.consultation.id), ['c1', 'c1', 'c1']);
    assert.equal(store.db.prepare('SELECT COUNT(*) FROM lobby_entries').pluck().get(), 3);
    reader.close();
    store.close();
  });

  it('a code redeemed earlier in the same batch fails for the later join', async () => {
    const store = await storeWithCodes('reuse', ['h1']);
    const batcher = new GroupCommit(store, (tx: StoreOps, i: { code: string; entry: NewEntry }) => tx.redeemAccessCode(i.code, Date.now(), i.entry));
    const [first, second] = await Promise.all([batcher.submit({ code: 'h1', entry: entry('a') }), batcher.submit({ code: 'h1', entry: entry('b') })]);
    assert.equal(first?.entry.id, 'a');
    assert.equal(second, undefined);
    assert.deepEqual(store.db.prepare('SELECT id FROM lobby_entries').pluck().all(), ['a']);
    store.close();
  });

  it('one join that throws is rolled back alone: the others still get their entries, its code stays unused', async () => {
    const store = await storeWithCodes('failure', ['h1', 'h2', 'h3']);
    let runs = 0;
    const batcher = new GroupCommit<{ code: string; entry: NewEntry }, RedeemedCode | undefined>(store, (tx, i) => {
      runs++;
      return tx.redeemAccessCode(i.code, Date.now(), i.entry);
    });
    // The second reuses the first one's ticket hash: its insert violates UNIQUE.
    const outcomes = await Promise.allSettled([
      batcher.submit({ code: 'h1', entry: entry('e1', 'same') }),
      batcher.submit({ code: 'h2', entry: entry('e2', 'same') }),
      batcher.submit({ code: 'h3', entry: entry('e3') }),
    ]);
    assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /UNIQUE/);
    assert.deepEqual(store.db.prepare('SELECT id FROM lobby_entries ORDER BY id').pluck().all(), ['e1', 'e3']);
    assert.notEqual(usedAt(store, 'h1'), null);
    assert.equal(usedAt(store, 'h2'), null);
    assert.notEqual(usedAt(store, 'h3'), null);
    assert.equal(runs, 2 + 3, 'the batch ran up to the failure, then each join alone');
    store.close();
  });

  it('batches are bounded: the rest commits in the next turn', async () => {
    const codes = Array.from({ length: 5 }, (_, i) => `h${i}`);
    const store = await storeWithCodes('bounded', codes);
    let transactions = 0;
    const counted = { transaction: <T>(fn: (tx: StoreOps) => Promise<T>): Promise<T> => (transactions++, store.transaction(fn)) };
    const batcher = new GroupCommit(counted, (tx: StoreOps, i: { code: string; entry: NewEntry }) => tx.redeemAccessCode(i.code, Date.now(), i.entry), 2);
    const results = await Promise.all(codes.map((code, i) => batcher.submit({ code, entry: entry(`e${i}`) })));
    assert.equal(results.filter(Boolean).length, 5);
    assert.equal(transactions, 3);
    store.close();
  });
});

describe('group commit (lobby service)', () => {
  it('joins in one batch see the lockout exactly as if they came one by one', async () => {
    const config = parseConfig({
      livekit: { url: 'ws://127.0.0.1:1', apiKey: 'k', apiSecret: 's'.repeat(32) },
      database: { path: ':memory:' },
      secret: 'x'.repeat(64),
      tenants: [{ id: 't', name: 'T', apiKeySha256: ['0'.repeat(64)], allowedOrigins: [] }],
    });
    const store = new SqliteStore(':memory:');
    await store.insertConsultation(consultation, audit);
    await store.insertAccessCode({ codeHash: accessCodeHash(config.secret, 'RIGHTCODE2'), consultationId: 'c1', tenantId: 't', alias: null, createdAt: 1, expiresAt: Date.now() + 60_000, usedAt: null }, audit);
    let transactions = 0;
    const counted = new Proxy(store, { get: (target, key) => (key === 'transaction' ? <T>(fn: (tx: StoreOps) => Promise<T>): Promise<T> => (transactions++, target.transaction(fn)) : Reflect.get(target, key)) });
    const ctx = { config, store: counted, bus: new InProcessBus(), now: Date.now, log: () => undefined } as unknown as AppContext;
    const codeFailures = new MemoryWindowCounter(5, 15 * 60_000);
    const guessFailures = new MemoryWindowCounter(config.codeGuessBudget.failuresPerWindow, config.codeGuessBudget.windowMinutes * 60_000);
    const lobby = new LobbyService(ctx, {} as ConsultationService, { codeFailures, guessFailures });
    // All ten in the same turn, so in one batch: five wrong codes are looked at, everything after is refused.
    const attempts = [...Array.from({ length: 9 }, (_, i) => `WRONG${i}2345`), 'RIGHTCODE2'];
    const outcomes = await Promise.allSettled(attempts.map((code) => lobby.join('10.0.0.1', NO_TENANT_BUCKET, { code, name: 'Mallory' }, 'other')));
    assert.equal(transactions, 1);
    const statuses = outcomes.map((o) => (o.status === 'rejected' && o.reason instanceof ApiError ? o.reason.status : o.status));
    assert.deepEqual(statuses, [404, 404, 404, 404, 404, 429, 429, 429, 429, 429]);
    // The refused right code was not burnt, and another client is not affected.
    const other = await lobby.join('10.0.0.2', NO_TENANT_BUCKET, { code: 'rightcode2', name: 'Pat' }, 'other');
    assert.equal(other.entry.consultationId, 'c1');
    codeFailures.dispose();
    guessFailures.dispose();
    store.close();
  });
});

describe('group commit (lobby join over HTTP)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.stop();
  });

  it('concurrent joins all get their own lobby entry; a code sent twice at once admits one of them', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const codes = await Promise.all(Array.from({ length: 8 }, () => issueCode(h, h.keys.acme, id)));
    const replies = await Promise.all(
      [...codes, codes[0]!].map((code, i) => call<{ ticketId: string }>(h, 'POST', '/v1/lobby/join', { body: { code, name: `P${i}` } })),
    );
    const statuses = replies.map((r) => r.status).sort();
    assert.deepEqual(statuses, [...Array(8).fill(201), 404]);
    const ticketIds = replies.filter((r) => r.status === 201).map((r) => r.body.ticketId);
    assert.equal(new Set(ticketIds).size, 8);
    for (const ticketId of ticketIds) assert.equal((await h.server.store.getLobbyEntry(ticketId))?.status, 'waiting');
  });

  it('the brute-force lockout counts concurrent attempts as if they came one by one', async () => {
    await h.restart(); // forgets the failure the reused code above counted against this client
    const id = await createConsultation(h, h.keys.acme);
    const code = await issueCode(h, h.keys.acme, id);
    const guesses = Array.from({ length: 9 }, (_, i) => `WRONG${i}2345`);
    const replies = await Promise.all(
      guesses.map((c) => call<{ error: { code: string } }>(h, 'POST', '/v1/lobby/join', { body: { code: c, name: 'Mallory' } })),
    );
    // Five wrong codes are looked at; every attempt after them is refused, whichever batch it landed in.
    assert.deepEqual(replies.map((r) => r.status).sort(), [404, 404, 404, 404, 404, 429, 429, 429, 429]);
    assert.ok(replies.filter((r) => r.status === 429).every((r) => r.body.error.code === 'too_many_attempts'));
    const right = await call(h, 'POST', '/v1/lobby/join', { body: { code, name: 'Mallory' } });
    assert.equal(right.status, 429);
    await h.restart(); // the lockout lives in memory: a restart clears it, and the code was not burnt
    const later = await call(h, 'POST', '/v1/lobby/join', { body: { code, name: 'Pat' } });
    assert.equal(later.status, 201);
  });
});
