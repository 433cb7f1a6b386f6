import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SqliteStore } from '../../server/store/sqlite.js';
import { call, createConsultation, joinLobby, startHarness, type Harness } from './helpers.js';
import { startSmtpSink } from './smtp-sink.js';

const ADDRESS = 'patient.unique-marker@example.org';

describe('access code delivery by e-mail (SMTP)', () => {
  let h: Harness;
  let sink: Awaited<ReturnType<typeof startSmtpSink>>;
  const logs: string[] = [];
  before(async () => {
    sink = await startSmtpSink();
    h = await startHarness({ smtp: { host: '127.0.0.1', port: sink.port, secure: false, requireTLS: false, from: 'Praxis <noreply@acme.example>' } });
    await h.restart({ log: (line) => logs.push(line) });
  });
  after(async () => {
    await h?.stop();
    await sink?.stop();
  });

  it('sends the code and join link to the address, which is then nowhere in the database or the logs', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const res = await call(h, 'POST', `/v1/consultations/${id}/access-codes`, { auth: h.keys.acme, body: { deliver: { email: ADDRESS } } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.delivered, 'email');
    assert.equal(sink.mails.length, 1);
    const mail = sink.mails[0]!;
    assert.match(mail.to.join(), /patient\.unique-marker@example\.org/);
    assert.ok(mail.data.includes(String(res.body.code)), 'the mail carries the code');
    assert.ok(mail.data.includes('Join here:'), 'the mail carries the join link');

    // The code works.
    await joinLobby(h, String(res.body.code));

    const db = (h.server.store as SqliteStore).db;
    db.pragma('wal_checkpoint(TRUNCATE)');
    const dbDir = join(h.dir, 'db');
    for (const file of readdirSync(dbDir)) {
      const bytes = readFileSync(join(dbDir, file));
      assert.ok(!bytes.includes('unique-marker'), `${file} contains the address`);
      assert.ok(!bytes.includes(Buffer.from('unique-marker', 'utf16le')), `${file} contains the address (UTF-16)`);
    }
    for (const table of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]) {
      assert.ok(!JSON.stringify(db.prepare(`SELECT * FROM ${table}`).all()).includes('unique-marker'), table);
    }
    assert.ok(!logs.join('\n').includes('unique-marker'));
  });

  it('refuses an invalid address with 400 naming the field', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const res = await call<{ error: { message: string } }>(h, 'POST', `/v1/consultations/${id}/access-codes`, { auth: h.keys.acme, body: { deliver: { email: 'not-an-address' } } });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /body\.deliver\.email/);
  });

  it('reports a failed delivery as 502 without echoing the address', async () => {
    await sink.stop();
    const id = await createConsultation(h, h.keys.acme);
    const res = await call(h, 'POST', `/v1/consultations/${id}/access-codes`, { auth: h.keys.acme, body: { deliver: { email: ADDRESS } } });
    assert.equal(res.status, 502);
    assert.ok(!JSON.stringify(res.body).includes('unique-marker'));
    assert.ok(!logs.join('\n').includes('unique-marker'));
  });
});
