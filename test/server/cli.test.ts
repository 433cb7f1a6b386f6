// The `videoconsult` command's sub-commands, in process (the packed, compiled command: package.test.ts).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { runCli, type CliIo } from '../../server/cli.js';
import { migrations } from '../../server/store/migrations.js';

const dir = mkdtempSync(join(tmpdir(), 'vc-cli-'));
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

function io(env: NodeJS.ProcessEnv = {}): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), env };
}

const baseConfig = {
  secret: 's'.repeat(40),
  livekit: { url: 'wss://sfu.example.com', apiKey: 'APIkey', apiSecret: 'x'.repeat(40) },
  tenants: [{ id: 'acme', name: 'Acme', apiKeySha256: [sha256('old-key')] }],
};

describe('videoconsult CLI', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('check-config prints each bad key and exits 2; a missing file is named', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ ...baseConfig, secret: 'x', livekit: { ...baseConfig.livekit, url: 'ftp://x' }, retentionDays: 0 }),
    );
    const out = io();
    assert.equal(await runCli(['check-config', file], out), 2);
    const text = out.stderr.join('\n');
    for (const key of ['secret:', 'livekit.url:', 'retentionDays:']) assert.ok(text.includes(key), `${key} in\n${text}`);
    const missing = io();
    assert.equal(await runCli(['check-config', join(dir, 'nope.json')], missing), 2);
    assert.match(missing.stderr.join('\n'), /Cannot read the config file .*nope\.json/);
    const noFile = io();
    assert.equal(await runCli(['check-config'], noFile), 2);
    assert.match(noFile.stderr.join('\n'), /name a config file/);
  });

  it('tenant add prints a key once and stores only its SHA-256; rotate-key replaces it (or keeps the old with --keep-old)', async () => {
    const file = join(dir, 'tenants.json');
    writeFileSync(file, JSON.stringify(baseConfig), { mode: 0o600 });
    const add = io();
    assert.equal(
      await runCli(['tenant', 'add', 'globex', '--name', 'Globex Clinics', '--origin', 'https://globex.example', '--config', file], add),
      0,
    );
    const key = add.stdout[1]!;
    assert.match(key, /^vk_[\w-]{32}$/);
    const stored = readFileSync(file, 'utf8');
    assert.ok(!stored.includes(key), 'the key itself is never written');
    const globex = (JSON.parse(stored) as { tenants: { id: string; apiKeySha256: string[]; allowedOrigins?: string[] }[] }).tenants.find(
      (t) => t.id === 'globex',
    )!;
    assert.deepEqual(globex.apiKeySha256, [sha256(key)]);
    assert.deepEqual(globex.allowedOrigins, ['https://globex.example']);
    assert.equal(await runCli(['check-config', file], io()), 0, 'the edited file is still valid');

    const again = io();
    assert.equal(await runCli(['tenant', 'add', 'globex', '--name', 'X', '--config', file], again), 2);
    assert.match(again.stderr.join(''), /already exists/);
    assert.equal(await runCli(['tenant', 'add', 'Bad Id', '--name', 'X', '--config', file], io()), 2);

    const keep = io();
    assert.equal(await runCli(['tenant', 'rotate-key', 'acme', '--keep-old', '--config', file], keep), 0);
    const kept = (JSON.parse(readFileSync(file, 'utf8')) as typeof baseConfig).tenants.find((t) => t.id === 'acme')!;
    assert.deepEqual(kept.apiKeySha256, [sha256('old-key'), sha256(keep.stdout[1]!)]);
    const rotate = io({ VC_CONFIG: file });
    assert.equal(await runCli(['tenant', 'rotate-key', 'acme'], rotate), 0);
    const rotated = (JSON.parse(readFileSync(file, 'utf8')) as typeof baseConfig).tenants.find((t) => t.id === 'acme')!;
    assert.deepEqual(rotated.apiKeySha256, [sha256(rotate.stdout[1]!)]);
    assert.notEqual(rotate.stdout[1], keep.stdout[1]);
    const unknown = io({ VC_CONFIG: file });
    assert.equal(await runCli(['tenant', 'rotate-key', 'nobody'], unknown), 2);
    assert.match(unknown.stderr.join(''), /No tenant "nobody"/);
  });

  it('migrate brings a new database to the latest schema and exits', async () => {
    const file = join(dir, 'migrate.json');
    const db = join(dir, 'db', 'vc.sqlite');
    writeFileSync(file, JSON.stringify({ ...baseConfig, database: { path: db } }));
    const out = io();
    assert.equal(await runCli(['migrate', '--config', file], out), 0);
    assert.ok(existsSync(db));
    const versions = (
      new Database(db, { readonly: true }).prepare('SELECT version FROM migrations ORDER BY version').all() as { version: number }[]
    ).map((r) => r.version);
    assert.deepEqual(
      versions,
      migrations.map((m) => m.version),
    );
  });

  it('unknown commands and options are usage errors', async () => {
    const out = io();
    assert.equal(await runCli(['frobnicate'], out), 2);
    assert.match(out.stderr.join(''), /Unknown command "frobnicate"/);
    assert.equal(await runCli(['serve', '--nope'], io()), 2);
  });
});
