// Rollup plugin: after the embed bundle is written, dist/sdk.json records the entry's Subresource Integrity
// hash (the same value the token server serves at /v1/sdk.json), and the build prints it for the release notes.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function sdkManifest(entry = 'videoconsult.js') {
  return {
    name: 'sdk-manifest',
    writeBundle(options) {
      const dir = options.dir ?? '.';
      const bytes = readFileSync(join(dir, entry));
      const integrity = `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
      writeFileSync(join(dir, 'sdk.json'), `${JSON.stringify({ entry: `/${entry}`, integrity, size: bytes.length }, null, 2)}\n`);
      console.log(`${entry}: ${bytes.length} bytes, integrity ${integrity}`);
    },
  };
}
