import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ImageStructureError, stripJpegMetadata, stripPngMetadata } from '../../server/uploads/strip-metadata.js';
import { download, jpeg, png, startUploadsHarness, upload } from './fixtures/uploads/helpers.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/images/${name}`, import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'vc-exif-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** What ExifTool (an independent reader) finds in the bytes: every tag, numeric values. */
function exiftool(bytes: Buffer): Record<string, unknown> {
  const path = join(tmp, `probe-${Math.random().toString(36).slice(2)}`);
  writeFileSync(path, bytes);
  return (
    (JSON.parse(execFileSync('exiftool', ['-json', '-a', '-G1', '-n', path], { encoding: 'utf8' })) as Record<string, unknown>[])[0] ?? {}
  );
}
const identifying = (tags: Record<string, unknown>): string[] =>
  Object.keys(tags).filter((k) => /GPS|Make|Model|Creator|Comment|Author|DateTimeOriginal/i.test(k) && !k.startsWith('System:'));

describe('image metadata stripping', () => {
  for (const [name, strip] of [
    ['gps.jpg', stripJpegMetadata],
    ['gps.png', stripPngMetadata],
    ['gps-z.png', stripPngMetadata],
  ] as const) {
    it(`${name}: GPS, device, names and comments are gone; the image itself is untouched`, () => {
      const original = fixture(name);
      const before = exiftool(original);
      assert.ok(
        identifying(before).some((k) => k.includes('GPSLatitude')),
        `the fixture carries GPS: ${identifying(before).join(', ')}`,
      );
      const stripped = strip(original);
      const afterTags = exiftool(stripped);
      assert.deepEqual(identifying(afterTags), []);
      assert.equal(stripped.indexOf('Jane Doe'), -1);
      assert.equal(afterTags['File:ImageWidth'] ?? afterTags['PNG:ImageWidth'], before['File:ImageWidth'] ?? before['PNG:ImageWidth']);
      assert.ok(
        !Object.keys(afterTags).some((k) => k.startsWith('ExifTool:Warning') || k.startsWith('ExifTool:Error')),
        JSON.stringify(afterTags),
      );
      // Idempotent: nothing more to remove.
      assert.ok(strip(stripped).equals(stripped));
    });
  }

  it('keeps files without metadata byte for byte, drops data after IEND, and metadata between progressive scans', () => {
    assert.ok(stripPngMetadata(png('x')).equals(png('x')));
    assert.ok(stripJpegMetadata(jpeg()).equals(jpeg()));
    assert.ok(stripPngMetadata(Buffer.concat([png('x'), Buffer.from('<html>trailer')])).equals(png('x')));
    const base = jpeg(64);
    const eoi = base.length - 2;
    const comment = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x0a]), Buffer.from('HOME GPS', 'latin1')]);
    const secondScan = Buffer.from([0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, 0x22, 0xff, 0x00, 0xff, 0xd0, 0x22]);
    const progressive = Buffer.concat([base.subarray(0, eoi), comment, secondScan, base.subarray(eoi)]);
    const stripped = stripJpegMetadata(progressive);
    assert.equal(stripped.indexOf('HOME GPS'), -1);
    assert.ok(stripped.equals(Buffer.concat([base.subarray(0, eoi), secondScan, base.subarray(eoi)])));
  });

  it('refuses structures it cannot follow instead of passing their metadata on', () => {
    for (const bad of [png('x').subarray(0, 40), Buffer.concat([png().subarray(0, 8), Buffer.from('garbage!garbage!')])]) {
      assert.throws(() => stripPngMetadata(bad), ImageStructureError);
    }
    for (const bad of [jpeg().subarray(0, 30), Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 0x00])]) {
      assert.throws(() => stripJpegMetadata(bad), ImageStructureError);
    }
  });

  it('an uploaded photo is stored and served without its GPS; an unreadable image is refused with 415', async () => {
    const h = await startUploadsHarness();
    try {
      for (const name of ['gps.jpg', 'gps.png']) {
        const res = await upload(h, 'room-exif', fixture(name));
        assert.equal(res.status, 201, res.body.toString());
        const got = await download(h, 'room-exif', res.json<{ id: string }>().id);
        assert.equal(got.status, 200);
        assert.deepEqual(identifying(exiftool(got.body)), []);
      }
      const broken = await upload(h, 'room-exif', Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0x7f, 0xff, 0x00]));
      assert.equal(broken.status, 415);
      assert.equal(broken.json().error?.code, 'unreadable_image');
    } finally {
      await h.close();
    }
  });
});
