import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../server/config.js';
import { minimalConfig, startLocalApp } from './local-app.js';

const minimal = minimalConfig;

describe('config policy', () => {
  it('refuses retentionDays over 90', () => {
    assert.throws(
      () => parseConfig({ ...minimal, retentionDays: 91 }),
      (err: Error) => err instanceof ConfigError && /retentionDays/.test(err.message),
    );
    assert.throws(() => parseConfig({ ...minimal, retentionDays: 365 }), /retentionDays/);
    assert.equal(parseConfig({ ...minimal, retentionDays: 90 }).retentionDays, 90);
  });

  it('refuses uploads without a scanner unless scan is "off" explicitly, and refuses both at once', () => {
    assert.throws(
      () => parseConfig({ ...minimal, uploads: { directory: '/tmp/x' } }),
      (err: Error) => {
        assert.match(err.message, /uploads\.clamd: uploads are on but no malware scanner is configured/);
        assert.match(err.message, /"off"/);
        return true;
      },
    );
    assert.equal(parseConfig({ ...minimal, uploads: { directory: '/tmp/x', scan: 'off' } }).uploads?.scan, 'off');
    assert.ok(parseConfig({ ...minimal, uploads: { directory: '/tmp/x', clamd: { socket: '/run/clamd.sock' } } }).uploads?.clamd);
    assert.throws(
      () => parseConfig({ ...minimal, uploads: { directory: '/tmp/x', clamd: { socket: '/s' }, scan: 'off' } }),
      /uploads\.scan: "off" contradicts/,
    );
    assert.throws(() => parseConfig({ ...minimal, uploads: { directory: '/tmp/x', scan: 'on' } }), /uploads\.scan/);
  });

  it('warns at start when files are shared unscanned', async () => {
    const app = await startLocalApp({ uploads: { directory: join('/tmp', `vc-scan-off-${process.pid}`), scan: 'off' } });
    try {
      assert.ok(
        app.logs.some((l) => /WARNING files are shared without a malware scan/.test(l)),
        app.logs.join('\n'),
      );
    } finally {
      await app.stop();
    }
  });
});
