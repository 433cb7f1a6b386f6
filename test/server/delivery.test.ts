import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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
    h = await startHarness({
      smtp: { host: '127.0.0.1', port: sink.port, secure: false, requireTLS: false, from: 'Praxis <noreply@acme.example>' },
    });
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

  it("writes subject and body in the consultation's language (English for a language we do not have)", async () => {
    const id = await createConsultation(h, h.keys.acme, { locale: 'de-CH' });
    const res = await call(h, 'POST', `/v1/consultations/${id}/access-codes`, { auth: h.keys.acme, body: { deliver: { email: ADDRESS } } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const mail = readMail(sink.mails.at(-1)!.data);
    assert.equal(mail.subject, 'Ihr Zugangscode für die Videosprechstunde');
    assert.match(mail.body, new RegExp(`^Ihr Zugangscode: ${String(res.body.code)}$`, 'm'));
    assert.match(mail.body, /^Hier teilnehmen: http/m);
    assert.match(mail.body, /läuft am .*2\d{3}.* UTC ab\./);
    assert.doesNotMatch(mail.body, /Join here/);

    const other = await createConsultation(h, h.keys.acme, { locale: 'pt-BR' });
    await call(h, 'POST', `/v1/consultations/${other}/access-codes`, { auth: h.keys.acme, body: { deliver: { email: ADDRESS } } });
    assert.equal(readMail(sink.mails.at(-1)!.data).subject, 'Your access code for the video consultation');
  });

  it('refuses an invalid address with 400 naming the field', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const res = await call<{ error: { message: string } }>(h, 'POST', `/v1/consultations/${id}/access-codes`, {
      auth: h.keys.acme,
      body: { deliver: { email: 'not-an-address' } },
    });
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

describe('access code delivery by SMS (HTTP gateway)', () => {
  const NUMBER = '+41790001122';
  let h: Harness;
  let gateway: Server;
  const received: { auth: string | undefined; body: Record<string, unknown> }[] = [];
  const logs: string[] = [];
  before(async () => {
    gateway = createServer((req, res) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString()));
      req.on('end', () => {
        received.push({ auth: req.headers.authorization, body: JSON.parse(data) as Record<string, unknown> });
        res.writeHead(received.length > 1 ? 500 : 202).end(`{"echo":"${NUMBER}"}`);
      });
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    const { port } = gateway.address() as AddressInfo;
    h = await startHarness({ sms: { url: `http://127.0.0.1:${port}/send`, bearerToken: 'gw-token', from: 'Praxis' } });
    await h.restart({ log: (line) => logs.push(line) });
  });
  after(async () => {
    await h?.stop();
    await new Promise((r) => gateway?.close(r));
  });

  it('posts the code to the gateway; the number is nowhere in the database or logs; a gateway error is 502', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const res = await call(h, 'POST', `/v1/consultations/${id}/access-codes`, { auth: h.keys.acme, body: { deliver: { sms: NUMBER } } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.delivered, 'sms');
    assert.equal(received.length, 1);
    assert.equal(received[0]!.auth, 'Bearer gw-token');
    assert.equal(received[0]!.body.to, NUMBER);
    assert.equal(received[0]!.body.from, 'Praxis');
    assert.ok(String(received[0]!.body.text).includes(String(res.body.code)));

    const failed = await call(h, 'POST', `/v1/consultations/${id}/access-codes`, { auth: h.keys.acme, body: { deliver: { sms: NUMBER } } });
    assert.equal(failed.status, 502);

    const db = (h.server.store as SqliteStore).db;
    db.pragma('wal_checkpoint(TRUNCATE)');
    for (const file of readdirSync(join(h.dir, 'db'))) {
      assert.ok(!readFileSync(join(h.dir, 'db', file)).includes('790001122'), `${file} contains the number`);
    }
    assert.ok(!logs.join('\n').includes('790001122'));
  });

  it("writes the SMS in the consultation's language", async () => {
    received.length = 0;
    const id = await createConsultation(h, h.keys.acme, { locale: 'fr' });
    const res = await call(h, 'POST', `/v1/consultations/${id}/access-codes`, { auth: h.keys.acme, body: { deliver: { sms: NUMBER } } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(received[0]!.body.text, `Votre code de téléconsultation : ${String(res.body.code)}\n${String(res.body.joinUrl)}`);
  });

  it('validates the number and refuses both channels at once, and a channel that is not configured', async () => {
    const id = await createConsultation(h, h.keys.acme);
    const bad = await call<{ error: { message: string } }>(h, 'POST', `/v1/consultations/${id}/access-codes`, {
      auth: h.keys.acme,
      body: { deliver: { sms: '0791234567' } },
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /body\.deliver\.sms/);
    const both = await call(h, 'POST', `/v1/consultations/${id}/access-codes`, {
      auth: h.keys.acme,
      body: { deliver: { sms: NUMBER, email: 'a@b.example' } },
    });
    assert.equal(both.status, 400);
    const mail = await call<{ error: { code: string } }>(h, 'POST', `/v1/consultations/${id}/access-codes`, {
      auth: h.keys.acme,
      body: { deliver: { email: 'a@b.example' } },
    });
    assert.equal(mail.status, 501);
    assert.equal(mail.body.error.code, 'delivery_unavailable');
  });
});

/** Subject (RFC 2047 encoded words) and text body (quoted-printable or plain) of a raw single-part message. */
function readMail(raw: string): { subject: string; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  let body = raw.slice(split + 4);
  const subjectLine = /^Subject: (.*)$/im.exec(headers)?.[1] ?? '';
  const subject = subjectLine
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_m, kind: string, text: string) =>
      kind.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQuoted(text.replace(/_/g, ' ')),
    );
  if (/content-transfer-encoding: quoted-printable/i.test(headers)) body = decodeQuoted(body.replace(/=\r\n/g, ''));
  return { subject, body: body.replace(/\r\n/g, '\n') };
}

function decodeQuoted(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '=' && /^[0-9A-F]{2}$/i.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(text[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}
