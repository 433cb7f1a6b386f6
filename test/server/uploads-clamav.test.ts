import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sessionDirName } from '../../server/uploads/index.js';
import { startClamd, startFakeClamd, type FakeClamd, type RealClamd } from './fixtures/uploads/clamd.js';
import { EICAR, filesUnder, pdf, png, startUploadsHarness, upload, type UploadsHarness } from './fixtures/uploads/helpers.js';

const errorCode = (r: { json: () => { error?: { code: string } } }): string | undefined => r.json().error?.code;
const nothingStored = async (h: UploadsHarness, room: string): Promise<void> => {
  assert.deepEqual(await filesUnder(join(h.directory, sessionDirName(room))), [], `something was stored for ${room}`);
};

describe('uploads: malware scanning over clamd INSTREAM (fake clamd)', () => {
  let fake: FakeClamd;
  let h: UploadsHarness;
  before(async () => {
    fake = await startFakeClamd();
    h = await startUploadsHarness({ clamd: { socket: fake.socket }, scanTimeoutMs: 500, maxFileBytes: 1024 * 1024 });
  });
  after(async () => {
    await h.close();
    await fake.close();
  });

  test('a clean verdict stores the file; clamd received exactly the plaintext, in several chunks', async () => {
    fake.behaviour = 'clean';
    const bytes = png('scan me', 200 * 1024);
    const before = fake.received.length;
    const res = await upload(h, 'room-fake', bytes);
    assert.equal(res.status, 201);
    assert.equal(fake.commands.at(-1), 'zINSTREAM');
    assert.equal(fake.received.length, before + 1);
    assert.deepEqual(fake.received.at(-1), bytes);
  });

  test('an infected verdict is 422 infected_file and nothing is stored', async () => {
    fake.behaviour = 'infected';
    const res = await upload(h, 'room-fake-infected', png('looks innocent'));
    assert.equal(res.status, 422);
    assert.equal(errorCode(res), 'infected_file');
    await nothingStored(h, 'room-fake-infected');
    assert.ok(h.logs.some((l) => l.includes('Fake.Test.Signature')));
  });

  for (const behaviour of ['error', 'hang', 'hangup'] as const) {
    test(`a scanner that gives no verdict (${behaviour}) fails closed with 503 scanner_unavailable`, async () => {
      fake.behaviour = behaviour;
      const res = await upload(h, `room-fake-${behaviour}`, png());
      assert.equal(res.status, 503);
      assert.equal(errorCode(res), 'scanner_unavailable');
      assert.equal(res.headers['retry-after'], '30');
      await nothingStored(h, `room-fake-${behaviour}`);
    });
  }

  test('an unsupported type is refused before it reaches the scanner', async () => {
    fake.behaviour = 'clean';
    const before = fake.commands.length;
    assert.equal((await upload(h, 'room-fake', Buffer.from('<html></html>'))).status, 415);
    assert.equal(fake.commands.length, before);
  });
});

describe('uploads: an unreachable scanner fails closed', () => {
  test('a missing clamd socket → 503', async () => {
    const h = await startUploadsHarness({ clamd: { socket: '/nonexistent/videoconsult/clamd.sock' } });
    try {
      const res = await upload(h, 'room-nosock', png());
      assert.equal(res.status, 503);
      assert.equal(errorCode(res), 'scanner_unavailable');
      await nothingStored(h, 'room-nosock');
    } finally {
      await h.close();
    }
  });

  test('nothing listening on the clamd TCP port → 503', async () => {
    // Find a free loopback port, then close it so the connection is refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const h = await startUploadsHarness({ clamd: { host: '127.0.0.1', port } });
    try {
      const res = await upload(h, 'room-noport', pdf());
      assert.equal(res.status, 503);
      assert.equal(errorCode(res), 'scanner_unavailable');
      await nothingStored(h, 'room-noport');
    } finally {
      await h.close();
    }
  });
});

// The real thing: Debian's clamd with a signature database made here by sigtool.
let clamd: RealClamd | undefined;
let clamdMissing: string | false = false;
try {
  clamd = await startClamd();
} catch (err) {
  clamdMissing = `skipped: ${(err as Error).message}`;
}

// Each test carries the skip (not just the suite) so the runner's "skipped" count shows them.
const real = { skip: clamdMissing };

describe('uploads: malware scanning with a real clamd and the EICAR test file', () => {
  let h: UploadsHarness;
  before(async () => {
    if (!clamd) return;
    h = await startUploadsHarness({ clamd: { socket: clamd.socket }, scanTimeoutMs: 30_000 });
  });
  after(async () => {
    await h?.close();
    await clamd?.stop();
  });

  test('clean PNG and PDF files pass the scan', real, async () => {
    assert.equal((await upload(h, 'room-clean', png('hello'))).status, 201);
    assert.equal((await upload(h, 'room-clean', pdf('a clean letter'))).status, 201);
  });

  test('EICAR inside a valid PDF is refused with 422 infected_file and is not on disk', real, async () => {
    const infected = Buffer.concat([pdf('x').subarray(0, 40), EICAR, Buffer.from('\n%%EOF\n')]);
    const res = await upload(h, 'room-eicar-pdf', infected, { 'X-Filename': 'befund.pdf' });
    assert.equal(res.status, 422, res.body.toString());
    assert.equal(errorCode(res), 'infected_file');
    await nothingStored(h, 'room-eicar-pdf');
    assert.ok(
      h.logs.some((l) => l.includes('VideoconsultTest.EICAR')),
      h.logs.join('\n'),
    );
  });

  test('EICAR appended to a valid PNG is refused with 422 and is not on disk', real, async () => {
    const res = await upload(h, 'room-eicar-png', Buffer.concat([png('', 64), EICAR]));
    assert.equal(res.status, 422);
    assert.equal(errorCode(res), 'infected_file');
    await nothingStored(h, 'room-eicar-png');
  });

  test('the bare EICAR file (named .png, declared image/png) is refused and not on disk', real, async () => {
    const res = await upload(h, 'room-eicar-raw', EICAR, { 'Content-Type': 'image/png', 'X-Filename': 'eicar.png' });
    assert.equal(res.status, 415);
    await nothingStored(h, 'room-eicar-raw');
  });

  test('once clamd is stopped, uploads are refused with 503 scanner_unavailable', real, async () => {
    await clamd?.stop();
    const res = await upload(h, 'room-clamd-down', png());
    assert.equal(res.status, 503);
    assert.equal(errorCode(res), 'scanner_unavailable');
    await nothingStored(h, 'room-clamd-down');
  });
});
