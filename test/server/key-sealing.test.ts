import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { deriveKey } from '../../server/key-sealing.js';
import { open } from '../../server/uploads/sealing.js';
import { sessionDirName } from '../../server/uploads/index.js';
import { png } from './fixtures/uploads/helpers.js';
import { call, createConsultation, practitionerToken } from './helpers.js';
import { startLocalApp, type LocalApp } from './local-app.js';

/** Every byte the store and the upload folder hold on disk, database WAL included. */
function everythingOnDisk(dir: string): Buffer {
  const parts: Buffer[] = [];
  const walk = (path: string): void => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else parts.push(readFileSync(full));
    }
  };
  walk(dir);
  return Buffer.concat(parts);
}

function assertAbsent(haystack: Buffer, keyBase64: string, what: string): void {
  const raw = Buffer.from(keyBase64, 'base64');
  for (const form of [raw, Buffer.from(keyBase64), Buffer.from(raw.toString('base64url')), Buffer.from(raw.toString('hex'))]) {
    assert.equal(haystack.indexOf(form), -1, `${what} found on disk`);
  }
}

describe('key material at rest', () => {
  let app: LocalApp;
  before(async () => {
    app = await startLocalApp({ withUploads: true });
  });
  after(async () => {
    await app?.stop();
  });

  it("a copied database file does not contain the consultation's E2EE key, before or after a rotation", async () => {
    const id = await createConsultation(app, app.keys.acme);
    const token = await practitionerToken(app, app.keys.acme, id);
    const grant = await call(app, 'POST', '/v1/practitioner/grant', { auth: token });
    const key = String(grant.body.e2eeKey);
    assert.equal(Buffer.from(key, 'base64').length, 32);

    const db = new Database(app.config.database.path, { readonly: true });
    const stored = String(db.prepare('SELECT e2ee_key FROM consultations WHERE id = ?').pluck().get(id));
    db.close();
    assert.match(stored, /^sealed:/);
    assert.ok(!stored.includes(key));
    assertAbsent(everythingOnDisk(app.dir), key, 'the E2EE key');

    // Rotation: admit and decline a patient; the new key is sealed as well.
    const code = String((await call(app, 'POST', `/v1/consultations/${id}/access-codes`, { auth: app.keys.acme, body: {} })).body.code);
    const joined = await call(app, 'POST', '/v1/lobby/join', { body: { code, name: 'Pat' } });
    const ticketId = String(joined.body.ticketId);
    assert.equal((await call(app, 'POST', '/v1/practitioner/admit', { auth: token, body: { ticketId } })).status, 200);
    assert.equal((await call(app, 'POST', '/v1/practitioner/decline', { auth: token, body: { ticketId } })).status, 200);
    const rotated = String((await call(app, 'POST', '/v1/practitioner/grant', { auth: token })).body.e2eeKey);
    assert.notEqual(rotated, key);
    assertAbsent(everythingOnDisk(app.dir), rotated, 'the rotated E2EE key');
  });

  it('upload session keys are wrapped under a key derived from the server secret and appear nowhere in clear', async () => {
    const id = await createConsultation(app, app.keys.acme);
    const token = await practitionerToken(app, app.keys.acme, id);
    const grant = await call(app, 'POST', '/v1/practitioner/grant', { auth: token });
    const room = `vc-${id}`;
    const res = await fetch(`${app.base}/v1/rooms/${room}/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${String(grant.body.token)}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(png('wound photo')),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const dir = sessionDirName(room);
    const wrapped = readFileSync(join(app.dir, 'uploads', dir, 'key'));
    const sessionKey = open(deriveKey(app.config.secret, 'upload-keys-at-rest'), Buffer.from('VCK1', 'latin1'), `key:${dir}`, wrapped);
    assert.equal(sessionKey.length, 32);
    assertAbsent(everythingOnDisk(app.dir), sessionKey.toString('base64'), 'the upload session key');
    // Another server secret cannot unwrap it.
    assert.throws(() => open(deriveKey('x'.repeat(32), 'upload-keys-at-rest'), Buffer.from('VCK1', 'latin1'), `key:${dir}`, wrapped));
  });
});
