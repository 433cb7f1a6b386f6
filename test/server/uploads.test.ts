import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseUploadOptions, sessionDirName, sniffType, UploadService } from '../../server/uploads/index.js';
import { sanitizeDisplayName } from '../../server/uploads/uploads.schema.js';
import {
  API_KEY,
  download,
  exe,
  filesUnder,
  handRolledToken,
  html,
  jpeg,
  pdf,
  png,
  send,
  startUploadsHarness,
  tokenFor,
  upload,
  type UploadsHarness,
} from './fixtures/uploads/helpers.js';

const KiB = 1024;
const errorCode = (r: { json: () => { error?: { code: string } } }): string | undefined => r.json().error?.code;

describe('uploads: accepting and serving files', () => {
  let h: UploadsHarness;
  before(async () => {
    h = await startUploadsHarness({ maxFileBytes: 64 * KiB, quotaBytesPerSession: 200 * KiB });
  });
  after(() => h.close());

  test('a PNG, a JPEG and a PDF are stored and come back byte for byte with the sniffed type', async () => {
    for (const [bytes, type] of [
      [png('x'), 'image/png'],
      [jpeg(), 'image/jpeg'],
      [pdf(), 'application/pdf'],
    ] as const) {
      // The declared type is deliberately wrong: only the content counts.
      const res = await upload(h, 'room-types', bytes, { 'Content-Type': 'text/plain' });
      assert.equal(res.status, 201, res.body.toString());
      const info = res.json<{ id: string; name: string; type: string; size: number }>();
      assert.equal(info.type, type);
      assert.equal(info.size, bytes.length);
      assert.match(info.id, /^[A-Za-z0-9_-]{22}$/);
      const back = await download(h, 'room-types', info.id);
      assert.equal(back.status, 200);
      assert.equal(back.headers['content-type'], type);
      assert.deepEqual(back.body, bytes);
    }
  });

  test('downloads carry attachment disposition, nosniff, no-store and a sandboxing CSP', async () => {
    const res = await upload(h, 'room-headers', png(), { 'X-Filename': encodeURIComponent('Befund Hautausschlag ü.png') });
    assert.equal(res.status, 201);
    const { id, name } = res.json<{ id: string; name: string }>();
    assert.equal(name, 'Befund Hautausschlag ü.png');
    const back = await download(h, 'room-headers', id);
    assert.equal(back.headers['x-content-type-options'], 'nosniff');
    assert.equal(back.headers['cache-control'], 'no-store');
    assert.equal(back.headers['content-type'], 'image/png');
    assert.equal(
      back.headers['content-disposition'],
      `attachment; filename="Befund Hautausschlag _.png"; filename*=UTF-8''Befund%20Hautausschlag%20%C3%BC.png`,
    );
    assert.match(String(back.headers['content-security-policy']), /default-src 'none'; sandbox/);
  });

  test('the display name is sanitised and its extension follows the content, not the client', async () => {
    const res = await upload(h, 'room-names', png(), { 'X-Filename': encodeURIComponent('../../etc/evil\u202Egnp.html') });
    assert.equal(res.status, 201);
    assert.equal(res.json<{ name: string }>().name, 'evilgnp.png');
    assert.equal(sanitizeDisplayName('C:\\Users\\me\\scan.PDF', 'pdf'), 'scan.pdf');
    assert.equal(sanitizeDisplayName(undefined, 'jpg'), 'upload.jpg');
    assert.equal(sanitizeDisplayName('...', 'png'), 'upload.png');
    assert.equal(sanitizeDisplayName('a"b<c>\r\nd.png', 'png'), 'a_b_c_d.png');
    assert.equal(Array.from(sanitizeDisplayName('x'.repeat(500), 'png')).length, 124);
  });

  test('an oversized file is refused with 413 file_too_large and nothing is written', async () => {
    const res = await upload(h, 'room-big', png('', 64 * KiB + 1));
    assert.equal(res.status, 413);
    assert.equal(errorCode(res), 'file_too_large');
    assert.deepEqual(await filesUnder(join(h.directory, sessionDirName('room-big'))), []);
    // Exactly at the limit is fine.
    assert.equal((await upload(h, 'room-big', png('', 64 * KiB))).status, 201);
  });

  test('an oversized body without Content-Length (chunked) is refused too', async () => {
    const token = await tokenFor('room-chunked');
    const res = await send(`${h.baseUrl}/v1/rooms/room-chunked/uploads`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Transfer-Encoding': 'chunked' },
      body: png('', 100 * KiB),
    });
    assert.equal(res.status, 413);
    assert.equal(errorCode(res), 'file_too_large');
    assert.deepEqual(await filesUnder(join(h.directory, sessionDirName('room-chunked'))), []);
  });

  test('disguised types are refused with 415 whatever the name and declared type', async () => {
    const disguises: [string, Buffer, string][] = [
      ['HTML named .png', html(), 'photo.png'],
      ['EXE declared image/png', exe(), 'medication.png'],
      ['PDF with junk before the header (polyglot)', Buffer.concat([Buffer.from('<html>'), pdf()]), 'doc.pdf'],
      ['SVG (can carry script)', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'x.svg'],
      ['a PNG signature cut short', png().subarray(0, 8), 'short.png'],
    ];
    for (const [what, bytes, name] of disguises) {
      const res = await upload(h, 'room-disguise', bytes, { 'Content-Type': 'image/png', 'X-Filename': name });
      assert.equal(res.status, 415, what);
      assert.equal(errorCode(res), 'unsupported_type', what);
    }
    assert.deepEqual(await filesUnder(join(h.directory, sessionDirName('room-disguise'))), []);
  });

  test('an empty upload is a 400', async () => {
    const res = await upload(h, 'room-empty', Buffer.alloc(0));
    assert.equal(res.status, 400);
    assert.equal(errorCode(res), 'empty_file');
  });

  test('neither the content nor the display name is stored in clear', async () => {
    const marker = `PLAINTEXT-MARKER-${randomBytes(8).toString('hex')}`;
    const nameMarker = `name-marker-${randomBytes(6).toString('hex')}`;
    const res = await upload(h, 'room-secret', png(marker, 4 * KiB), { 'X-Filename': `${nameMarker}.png` });
    assert.equal(res.status, 201);
    const { id } = res.json<{ id: string }>();
    const files = await filesUnder(h.directory);
    const stored = files.find((f) => f.path.endsWith(id));
    assert.ok(stored, 'the upload is on disk under its server-generated id');
    assert.ok(stored.bytes.length >= 4 * KiB, 'the stored file holds the content');
    for (const f of files) {
      assert.equal(f.bytes.includes(marker), false, `${f.path} contains the plaintext`);
      assert.equal(f.bytes.includes(nameMarker), false, `${f.path} contains the file name`);
      assert.equal(f.bytes.includes(Buffer.from([0x89, 0x50, 0x4e, 0x47])), false, `${f.path} contains the PNG header`);
    }
    assert.equal(
      files.some((f) => f.path.includes('room-secret')),
      false,
      'room names never reach the file system',
    );
    // The marker is really in what we sent (so the check above can fail).
    assert.ok((await download(h, 'room-secret', id)).body.includes(marker));
  });

  test('two uploads of the same bytes give different ciphertexts (a fresh IV per file)', async () => {
    const bytes = png('same', 1 * KiB);
    const a = (await upload(h, 'room-iv', bytes)).json<{ id: string }>().id;
    const b = (await upload(h, 'room-iv', bytes)).json<{ id: string }>().id;
    const dir = join(h.directory, sessionDirName('room-iv'));
    const [ca, cb] = [await readFile(join(dir, a)), await readFile(join(dir, b))];
    assert.notDeepEqual(ca.subarray(4, 16), cb.subarray(4, 16));
    assert.notDeepEqual(ca.subarray(32), cb.subarray(32));
  });

  test('a stored file that was tampered with or moved to another id is not served', async () => {
    const room = 'room-tamper';
    const a = (await upload(h, room, png('a'))).json<{ id: string }>().id;
    const b = (await upload(h, room, png('b'))).json<{ id: string }>().id;
    const dir = join(h.directory, sessionDirName(room));
    const bytes = await readFile(join(dir, a));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    await writeFile(join(dir, a), bytes);
    const tampered = await download(h, room, a);
    assert.equal(tampered.status, 500);
    assert.equal(errorCode(tampered), 'upload_unreadable');
    // Moving a valid ciphertext to another id breaks its binding too.
    const moved = randomBytes(16).toString('base64url');
    await rename(join(dir, b), join(dir, moved));
    assert.equal(errorCode(await download(h, room, moved)), 'upload_unreadable');
  });

  test('no temp files are left behind by successful or refused uploads', async () => {
    const all = await filesUnder(h.directory);
    assert.ok(all.length > 0);
    assert.deepEqual(
      all.filter((f) => f.path.includes('.tmp-')),
      [],
    );
  });
});

describe('uploads: per-session quota', () => {
  let h: UploadsHarness;
  before(async () => {
    h = await startUploadsHarness({ maxFileBytes: 100 * KiB, quotaBytesPerSession: 250 * KiB });
  });
  after(() => h.close());

  test('uploads beyond the session quota get 413 quota_exceeded; other sessions are unaffected', async () => {
    assert.equal((await upload(h, 'room-q', png('', 100 * KiB))).status, 201);
    assert.equal((await upload(h, 'room-q', png('', 100 * KiB))).status, 201);
    const third = await upload(h, 'room-q', png('', 100 * KiB));
    assert.equal(third.status, 413);
    assert.equal(errorCode(third), 'quota_exceeded');
    assert.equal((await readdir(join(h.directory, sessionDirName('room-q')))).length, 2);
    // A small one still fits, and another room has its own quota.
    assert.equal((await upload(h, 'room-q', png('', 10 * KiB))).status, 201);
    assert.equal((await upload(h, 'room-other', png('', 100 * KiB))).status, 201);
  });

  test('concurrent uploads cannot overshoot the quota', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, async () => (await upload(h, 'room-race', png('', 100 * KiB))).status));
    assert.deepEqual(results.filter((s) => s === 201).length, 2, `statuses: ${results.join(', ')}`);
    assert.deepEqual(results.filter((s) => s === 413).length, 4);
    assert.ok((await h.service.usage('room-race')) <= 250 * KiB);
  });
});

describe('uploads: authorisation by the participant’s LiveKit grant', () => {
  let h: UploadsHarness;
  let fileInA: string;
  before(async () => {
    h = await startUploadsHarness();
    const res = await upload(h, 'room-a', pdf('confidential'));
    assert.equal(res.status, 201);
    fileInA = res.json<{ id: string }>().id;
  });
  after(() => h.close());

  test('a participant of the room can download', async () => {
    assert.equal((await download(h, 'room-a', fileInA, await tokenFor('room-a', 'practitioner-1'))).status, 200);
  });

  test('a participant of another room cannot download: 403 for the room, 404 for the id in their own room', async () => {
    const other = await tokenFor('room-b', 'intruder');
    const res = await download(h, 'room-a', fileInA, other);
    assert.equal(res.status, 403);
    assert.equal(errorCode(res), 'forbidden');
    assert.equal(res.body.includes('confidential'), false);
    const sideways = await download(h, 'room-b', fileInA, other);
    assert.equal(sideways.status, 404);
    assert.equal(sideways.body.includes('confidential'), false);
  });

  test('a participant of another room cannot upload into it', async () => {
    const res = await upload(h, 'room-a', png(), {}, await tokenFor('room-b'));
    assert.equal(res.status, 403);
    assert.deepEqual(await readdir(join(h.directory, sessionDirName('room-a'))).then((n) => n.length), 1);
  });

  test('a grant without roomJoin is refused', async () => {
    const res = await download(h, 'room-a', fileInA, await tokenFor('room-a', 'x', { roomJoin: false }));
    assert.equal(res.status, 403);
  });

  test('missing, malformed, wrongly signed and expired tokens get 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: API_KEY, sub: 'patient-1', video: { room: 'room-a', roomJoin: true } };
    const cases: [string, Record<string, string>, string][] = [
      ['no Authorization header', {}, 'unauthorized'],
      ['not a bearer token', { Authorization: 'Basic dXNlcjpwYXNz' }, 'unauthorized'],
      ['garbage', { Authorization: 'Bearer not.a.jwt' }, 'invalid_token'],
      [
        'signed with another secret',
        { Authorization: `Bearer ${await tokenFor('room-a', 'p', { secret: 'another-secret-that-is-also-32-characters' })}` },
        'invalid_token',
      ],
      [
        'issued for another API key',
        { Authorization: `Bearer ${handRolledToken({ ...claims, iss: 'other-key', exp: now + 600 })}` },
        'invalid_token',
      ],
      ['without an expiry', { Authorization: `Bearer ${handRolledToken(claims)}` }, 'invalid_token'],
      [
        'expired an hour ago',
        { Authorization: `Bearer ${handRolledToken({ ...claims, nbf: now - 7200, exp: now - 3600 })}` },
        'token_expired',
      ],
    ];
    for (const [what, headers, code] of cases) {
      for (const res of [
        await send(`${h.baseUrl}/v1/rooms/room-a/uploads/${fileInA}`, { headers }),
        await send(`${h.baseUrl}/v1/rooms/room-a/uploads`, { method: 'POST', headers, body: png() }),
      ]) {
        assert.equal(res.status, 401, what);
        assert.equal(errorCode(res), code, what);
        assert.match(String(res.headers['www-authenticate']), /^Bearer/, what);
      }
    }
    // The same hand-rolled token with a live expiry works, so the cases above fail for the stated reason.
    const good = handRolledToken({ ...claims, exp: now + 600 });
    assert.equal(
      (await send(`${h.baseUrl}/v1/rooms/room-a/uploads/${fileInA}`, { headers: { Authorization: `Bearer ${good}` } })).status,
      200,
    );
  });

  test('the grant is checked before the body is read: a stranger’s oversized upload gets 401, not 413', async () => {
    const res = await send(`${h.baseUrl}/v1/rooms/room-a/uploads`, { method: 'POST', body: png('', 11 * 1024 * 1024) });
    assert.equal(res.status, 401);
    assert.equal(errorCode(res), 'unauthorized');
  });

  test('a bad id is a 400 and an unknown one a 404', async () => {
    assert.equal((await download(h, 'room-a', 'short')).status, 400);
    assert.equal((await download(h, 'room-a', randomBytes(16).toString('base64url'))).status, 404);
  });
});

describe('uploads: nothing outlives the session', () => {
  test('endSession deletes the files and the key; later uploads with a still-valid grant are refused', async () => {
    const h = await startUploadsHarness();
    try {
      const ids: string[] = [];
      for (const bytes of [png('1'), jpeg(), pdf()]) ids.push((await upload(h, 'room-end', bytes)).json<{ id: string }>().id);
      const keep = (await upload(h, 'room-stays', png())).json<{ id: string }>().id;
      const dir = join(h.directory, sessionDirName('room-end'));
      assert.equal((await readdir(dir)).length, 3);
      assert.equal(h.service.holdsKey('room-end'), true);

      await h.service.endSession('room-end');
      assert.equal(h.service.holdsKey('room-end'), false);
      assert.equal(h.service.holdsKey('room-stays'), true);
      await assert.rejects(stat(dir), { code: 'ENOENT' });
      for (const id of ids) assert.equal((await download(h, 'room-end', id)).status, 404);
      const again = await upload(h, 'room-end', png());
      assert.equal(again.status, 410);
      assert.equal(errorCode(again), 'session_ended');
      await assert.rejects(stat(dir), { code: 'ENOENT' });
      // Ending is idempotent and touches no other session.
      await h.service.endSession('room-end');
      assert.equal((await download(h, 'room-stays', keep)).status, 200);
    } finally {
      await h.close();
    }
  });

  test('with a master key, the wrapped key file is deleted at session end and the files survive a restart until then', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'vc-uploads-mk-'));
    const masterKey = randomBytes(32).toString('base64');
    try {
      const first = await startUploadsHarness({ masterKey }, {}, directory);
      const id = (await upload(first, 'room-mk', png('restart'))).json<{ id: string }>().id;
      const dir = join(directory, sessionDirName('room-mk'));
      const keyFile = await readFile(join(dir, 'key'));
      assert.equal(keyFile.subarray(0, 4).toString('latin1'), 'VCK1');
      await first.close();

      // A "restart": a new service over the same directory reads the file through the wrapped key.
      const second = await startUploadsHarness({ masterKey }, {}, directory);
      const back = await download(second, 'room-mk', id);
      assert.equal(back.status, 200);
      assert.ok(back.body.includes('restart'));
      // With the wrong master key nothing decrypts.
      const wrong = new UploadService({ directory, masterKey: randomBytes(32).toString('base64') }, { log: () => {} });
      await assert.rejects(wrong.download('room-mk', id), { code: 'not_found' });

      await second.service.endSession('room-mk');
      await assert.rejects(stat(join(dir, 'key')), { code: 'ENOENT' });
      await assert.rejects(stat(dir), { code: 'ENOENT' });
      await second.close();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  test('the sweeper deletes the files and keys of sessions that are no longer active (lost end webhook)', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'vc-uploads-sweep-'));
    const masterKey = randomBytes(32).toString('base64');
    const h = await startUploadsHarness({ masterKey }, {}, directory);
    try {
      const lost = (await upload(h, 'room-lost', png('lost'))).json<{ id: string }>().id;
      const live = (await upload(h, 'room-live', png('live'))).json<{ id: string }>().id;
      const lostDir = join(directory, sessionDirName('room-lost'));
      assert.ok((await readdir(lostDir)).includes('key'));

      assert.equal(h.service.holdsKey('room-lost'), true);
      const result = await h.service.sweep(new Set(['room-live', 'room-never-uploaded']));
      assert.equal(result.removedSessions, 1);
      assert.equal(h.service.holdsKey('room-lost'), false);
      assert.equal(h.service.holdsKey('room-live'), true);
      await assert.rejects(stat(lostDir), { code: 'ENOENT' });
      assert.equal((await download(h, 'room-lost', lost)).status, 404);
      assert.equal((await download(h, 'room-live', live)).status, 200);
      // The in-memory key went too: a fresh service with the master key finds nothing to unwrap either.
      const fresh = new UploadService({ directory, masterKey }, { log: () => {} });
      await assert.rejects(fresh.download('room-lost', lost), { code: 'not_found' });
      assert.deepEqual(await readdir(directory), [sessionDirName('room-live')]);
    } finally {
      await h.close();
      await rm(directory, { recursive: true, force: true });
    }
  });

  test('without a master key, keys are memory-only: after a restart the sweeper removes the unreadable ciphertext', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'vc-uploads-mem-'));
    try {
      const first = new UploadService({ directory }, { log: () => {} });
      await first.upload({ room: 'room-mem', uploader: 'p', bytes: png() });
      const dir = join(directory, sessionDirName('room-mem'));
      assert.equal((await readdir(dir)).length, 1, 'only the file: no key on disk in memory-only mode');

      const restarted = new UploadService({ directory }, { log: () => {} });
      assert.deepEqual(await restarted.sweep(['room-mem']), { removedSessions: 1, removedTempFiles: 0 });
      await assert.rejects(stat(dir), { code: 'ENOENT' });
      // The session goes on with a fresh key.
      const info = await restarted.upload({ room: 'room-mem', uploader: 'p', bytes: png('again') });
      assert.ok((await restarted.download('room-mem', info.id)).content.includes('again'));
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  test('the sweeper removes stale temp files of interrupted writes but keeps fresh ones', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'vc-uploads-tmp-'));
    let clock = Date.now();
    try {
      const service = new UploadService({ directory, staleTempMs: 60_000 }, { log: () => {}, now: () => clock });
      await service.upload({ room: 'room-t', uploader: 'p', bytes: png() });
      const dir = join(directory, sessionDirName('room-t'));
      await writeFile(join(dir, '.tmp-deadbeef'), 'partial');
      assert.equal((await service.sweep(['room-t'])).removedTempFiles, 0);
      clock += 120_000;
      assert.equal((await service.sweep(['room-t'])).removedTempFiles, 1);
      assert.equal((await readdir(dir)).length, 1);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('uploads: options and sniffing', () => {
  test('bad options fail fast with the key named', () => {
    assert.throws(() => parseUploadOptions({ directory: '/x', masterKey: 'c2hvcnQ=' }), /uploads\.masterKey/);
    assert.throws(() => parseUploadOptions({ directory: '/x', maxFileBytes: 10, quotaBytesPerSession: 5 }), /quotaBytesPerSession/);
    assert.throws(() => parseUploadOptions({ directory: '/x', clamd: { host: '127.0.0.1' } }), /uploads\.clamd/);
    assert.throws(() => parseUploadOptions({ directory: '/x', extra: true }), /uploads/);
    assert.equal(parseUploadOptions({ directory: '/x' }).maxFileBytes, 10 * 1024 * 1024);
  });

  test('sniffing looks at magic bytes only', () => {
    assert.equal(sniffType(png())?.mime, 'image/png');
    assert.equal(sniffType(jpeg())?.mime, 'image/jpeg');
    assert.equal(sniffType(pdf())?.mime, 'application/pdf');
    assert.equal(sniffType(Buffer.from('GIF89a......')), undefined);
    assert.equal(sniffType(Buffer.from('RIFF....WEBPVP8 ')), undefined);
    assert.equal(sniffType(Buffer.from(' %PDF-1.7')), undefined);
  });
});
