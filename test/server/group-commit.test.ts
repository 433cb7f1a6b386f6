import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../server/config.js';
import { accessCodeHash } from '../../server/consultations/consultations.service.js';
import type { ConsultationService } from '../../server/consultations/consultations.service.js';
import type { AppContext } from '../../server/context.js';
import { ApiError } from '../../server/errors.js';
import { NO_TENANT_BUCKET } from '../../server/lobby/guess-budget.js';
import { LobbyService } from '../../server/lobby/lobby.service.js';
import { WebhookEmitter } from '../../server/outbox/emit.js';
import { GroupCommit } from '../../server/store/group-commit.js';
import { InProcessBus, MemoryWindowCounter } from '../../server/shared-state.js';
import { SqliteStore } from '../../server/store/sqlite.js';
import type { NewLobbyEntry, RedeemedCode, StoreOps } from '../../server/store/store.js';
import { call, createConsultation, issueCode, startHarness, type Harness } from './helpers.js';
import { storeBackends, type OpenStore } from './store-backends.js';
import { accessCodeRow, audit, consultationRow, lobbyEntry, storesOf } from './store-rows.js';

for (const backend of storeBackends()) {
  describe(`group commit (store level, ${backend.name})`, () => {
    const openStore = storesOf(backend);

    async function storeWithCodes(codes: string[]): Promise<OpenStore> {
      const open = await openStore();
      await open.store.insertConsultation(consultationRow(), audit);
      for (const codeHash of codes) {
        await open.store.insertAccessCode(accessCodeRow(codeHash), audit);
      }
      return open;
    }
    // Read on a connection of its own: it sees only what was committed.
    const usedAt = (open: OpenStore, codeHash: string): Promise<string | null> =>
      open.committed(`SELECT used_at FROM access_codes WHERE code_hash = '${codeHash}'`);
    const redeem = (tx: StoreOps, i: { code: string; entry: NewLobbyEntry }): Promise<RedeemedCode | undefined> =>
      tx.redeemAccessCode(i.code, Date.now(), i.entry);

    it('joins submitted together commit in one transaction, and each settles only once that commit is on disk', async () => {
      const open = await storeWithCodes(['h1', 'h2', 'h3']);
      const { store } = open;
      let transactions = 0;
      const counted = { transaction: <T>(fn: (tx: StoreOps) => Promise<T>): Promise<T> => (transactions++, store.transaction(fn)) };
      const batcher = new GroupCommit(counted, redeem);
      const results = await Promise.all(
        ['h1', 'h2', 'h3'].map((code, i) =>
          batcher.submit({ code, entry: lobbyEntry(`e${i}`) }).then(async (r) => {
            if (store instanceof SqliteStore) assert.equal(store.db.inTransaction, false);
            assert.notEqual(await usedAt(open, code), null, `${code} answered before its commit`);
            return r;
          }),
        ),
      );
      assert.equal(transactions, 1);
      assert.deepEqual(
        results.map((r) => r?.entry.id),
        ['e0', 'e1', 'e2'],
      );
      assert.deepEqual(
        results.map((r) => r?.consultation.id),
        ['c1', 'c1', 'c1'],
      );
      assert.equal(Number(await open.committed('SELECT COUNT(*) FROM lobby_entries')), 3);
    });

    it('a code redeemed earlier in the same batch fails for the later join', async () => {
      const open = await storeWithCodes(['h1']);
      const batcher = new GroupCommit(open.store, redeem);
      const [first, second] = await Promise.all([
        batcher.submit({ code: 'h1', entry: lobbyEntry('a') }),
        batcher.submit({ code: 'h1', entry: lobbyEntry('b') }),
      ]);
      assert.equal(first?.entry.id, 'a');
      assert.equal(second, undefined);
      assert.equal(Number(await open.committed('SELECT COUNT(*) FROM lobby_entries')), 1);
      assert.equal(await open.committed('SELECT id FROM lobby_entries'), 'a');
    });

    it('one join that throws is rolled back alone: the others still get their entries, its code stays unused', async () => {
      const open = await storeWithCodes(['h1', 'h2', 'h3']);
      let runs = 0;
      const batcher = new GroupCommit<{ code: string; entry: NewLobbyEntry }, RedeemedCode | undefined>(open.store, (tx, i) => {
        runs++;
        return redeem(tx, i);
      });
      // The second reuses the first one's ticket hash: its insert violates UNIQUE.
      const outcomes = await Promise.allSettled([
        batcher.submit({ code: 'h1', entry: lobbyEntry('e1', 'same') }),
        batcher.submit({ code: 'h2', entry: lobbyEntry('e2', 'same') }),
        batcher.submit({ code: 'h3', entry: lobbyEntry('e3') }),
      ]);
      assert.deepEqual(
        outcomes.map((o) => o.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /UNIQUE|unique constraint/);
      assert.equal(Number(await open.committed("SELECT COUNT(*) FROM lobby_entries WHERE id IN ('e1', 'e3')")), 2);
      assert.equal(Number(await open.committed('SELECT COUNT(*) FROM lobby_entries')), 2);
      assert.notEqual(await usedAt(open, 'h1'), null);
      assert.equal(await usedAt(open, 'h2'), null);
      assert.notEqual(await usedAt(open, 'h3'), null);
      assert.equal(runs, 2 + 3, 'the batch ran up to the failure, then each join alone');
    });

    it('batches are bounded: the rest commits in the next turn', async () => {
      const codes = Array.from({ length: 5 }, (_, i) => `h${i}`);
      const { store } = await storeWithCodes(codes);
      let transactions = 0;
      const counted = { transaction: <T>(fn: (tx: StoreOps) => Promise<T>): Promise<T> => (transactions++, store.transaction(fn)) };
      const batcher = new GroupCommit(counted, redeem, 2);
      const results = await Promise.all(codes.map((code, i) => batcher.submit({ code, entry: lobbyEntry(`e${i}`) })));
      assert.equal(results.filter(Boolean).length, 5);
      assert.equal(transactions, 3);
    });
  });
}

describe('group commit (lobby service)', () => {
  it('joins in one batch see the lockout exactly as if they came one by one', async () => {
    const config = parseConfig({
      livekit: { url: 'ws://127.0.0.1:1', apiKey: 'k', apiSecret: 's'.repeat(32) },
      database: { path: ':memory:' },
      secret: 'x'.repeat(64),
      tenants: [{ id: 't', name: 'T', apiKeySha256: ['0'.repeat(64)], allowedOrigins: [] }],
    });
    const store = new SqliteStore(':memory:');
    await store.insertConsultation(consultationRow(), audit);
    await store.insertAccessCode(accessCodeRow(accessCodeHash(config.secret, 'RIGHTCODE2')), audit);
    let transactions = 0;
    const counted = new Proxy(store, {
      get: (target, key) =>
        key === 'transaction'
          ? <T>(fn: (tx: StoreOps) => Promise<T>): Promise<T> => (transactions++, target.transaction(fn))
          : Reflect.get(target, key),
    });
    const ctx = {
      config,
      store: counted,
      bus: new InProcessBus(),
      webhooks: new WebhookEmitter(),
      now: Date.now,
      log: () => undefined,
    } as unknown as AppContext;
    const codeFailures = new MemoryWindowCounter(5, 15 * 60_000);
    const guessFailures = new MemoryWindowCounter(config.codeGuessBudget.failuresPerWindow, config.codeGuessBudget.windowMinutes * 60_000);
    const lobby = new LobbyService(ctx, {} as ConsultationService, { codeFailures, guessFailures });
    // All ten in the same turn, so in one batch: five wrong codes are looked at, everything after is refused.
    const attempts = [...Array.from({ length: 9 }, (_, i) => `WRONG${i}2345`), 'RIGHTCODE2'];
    const outcomes = await Promise.allSettled(
      attempts.map((code) => lobby.join('10.0.0.1', NO_TENANT_BUCKET, { code, name: 'Mallory' }, 'other')),
    );
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
