import { expect } from '@open-wc/testing';
import { ConsultationSession } from '../../../src/session/consultation-session.js';
import type { SessionConfig } from '../../../src/session/session-config.js';
import { SseParser } from '../../../src/session/sse.js';
import { canTransition } from '../../../src/session/state-machine.js';
import type { SessionState } from '../../../src/session/types.js';
import { FakeCallRoom } from '../helpers/fake-call-room.js';
import { FakeServer, until } from '../helpers/fake-server.js';

const ADMISSION = { livekitUrl: 'ws://sfu.test', token: 'lk-token', identity: 'p-1', consultationId: 'c-1' };

function patientSession(server: FakeServer, extra: Partial<SessionConfig> = {}) {
  server.on('/v1/lobby/join', () => ({ status: 201, body: { ticket: 'T1', consultation: { id: 'c-1', locale: 'en', e2ee: false } } }));
  server.on('/v1/lobby/leave', () => ({ status: 204 }));
  return new ConsultationSession({
    serverUrl: 'https://api.test/',
    role: 'patient',
    fetch: server.fetch,
    lobbyBackoff: [1],
    createCallRoom: (callbacks) => new FakeCallRoom(callbacks),
    ...extra,
  });
}

/** A patient session admitted and in the call (its room a FakeCallRoom). */
async function patientInCall(server: FakeServer): Promise<ConsultationSession> {
  const session = patientSession(server);
  await session.join({ code: 'ABC', name: 'Ann' });
  await until(() => server.openStreams === 1);
  server.event('admitted', ADMISSION);
  await until(() => session.state === 'in-call');
  return session;
}

function states(session: ConsultationSession): SessionState[] {
  const seen: SessionState[] = [];
  session.addEventListener('statechange', (e) => seen.push((e as CustomEvent<{ state: SessionState }>).detail.state));
  return seen;
}

describe('SseParser', () => {
  it('assembles events split across chunks, CRLF endings and comments', () => {
    const parser = new SseParser();
    expect(parser.push(': ping\n\nevent: que')).to.deep.equal([]);
    expect(parser.push('ue\r\ndata: {"position":2}\r')).to.deep.equal([]);
    expect(parser.push('\n\r\n')).to.deep.equal([{ event: 'queue', data: '{"position":2}' }]);
    expect(parser.push('data: a\ndata: b\n\n')).to.deep.equal([{ event: 'message', data: 'a\nb' }]);
  });
});

describe('state machine', () => {
  it('allows the documented path and refuses shortcuts', () => {
    expect(canTransition('waiting', 'admitted')).to.be.true;
    expect(canTransition('in-call', 'reconnecting')).to.be.true;
    expect(canTransition('reconnecting', 'in-call')).to.be.true;
    expect(canTransition('idle', 'in-call')).to.be.false;
    expect(canTransition('ended', 'waiting')).to.be.false;
  });
});

describe('ConsultationSession (patient)', () => {
  it('joins, waits with the ticket in the header, follows the queue and connects on admission', async () => {
    const server = new FakeServer();
    const session = patientSession(server, { livekitUrl: 'ws://sfu.test' });
    const seen = states(session);
    const track = (await navigator.mediaDevices.getUserMedia({ audio: true })).getAudioTracks()[0]!;
    const deviceCheck = { verdict: 'ok', camera: 'skipped', microphone: 'ok', network: 'ok' } as const;
    session.beginDeviceCheck();
    await session.join({ code: 'ABC-123', name: 'Ann', deviceCheck, tracks: [track] });
    expect(session.state).to.equal('waiting');
    expect(server.requests[0]!.body).to.deep.equal({ code: 'ABC-123', name: 'Ann', deviceCheck });
    await until(() => server.openStreams === 1);
    const stream = server.requests.find((r) => r.url === '/v1/lobby/events')!;
    expect(stream.authorization).to.equal('Bearer T1');
    expect(FakeCallRoom.last!.prepared).to.equal('ws://sfu.test');

    server.event('queue', { position: 2, estimatedWaitSeconds: 120 });
    await until(() => session.snapshot.queue?.position === 2);
    expect(session.snapshot.queue).to.deep.equal({ position: 2, estimatedWaitSeconds: 120 });

    server.event('message', { text: 'Five more minutes', at: '2026-01-01T10:00:00Z' });
    await until(() => session.snapshot.messages.length === 1);
    expect(session.snapshot.messages[0]!.text).to.equal('Five more minutes');

    server.event('admitted', ADMISSION);
    await until(() => session.state === 'in-call');
    expect(seen).to.deep.equal(['checking-devices', 'joining-lobby', 'waiting', 'admitted', 'connecting', 'in-call']);
    expect(FakeCallRoom.last!.admission!.token).to.equal('lk-token');
    expect(FakeCallRoom.last!.publishedTracks).to.deep.equal([track]);
    expect(session.snapshot.participants.map((p) => p.identity)).to.deep.equal(['me']);
    expect(session.snapshot.dataTransport).to.exist;
    expect(session.snapshot.dataTransport).to.equal(FakeCallRoom.last!.transport);
    expect(await session.receivedBytes()).to.deep.equal({ audio: 1234, video: 5678 });
    // The lobby stream stays open through the call (the server reports the end there too).
    expect(server.openStreams).to.equal(1);
    await session.leave();
    expect(server.openStreams).to.equal(0);
    expect(session.state).to.equal('ended');
    expect(session.snapshot.endReason).to.equal('left');
    expect(FakeCallRoom.last!.disconnected).to.be.true;
    expect(track.readyState).to.equal('ended');
    expect(session.snapshot.dataTransport).to.be.undefined;
    expect(await session.receivedBytes()).to.deep.equal({ audio: 0, video: 0 });
  });

  it('prepares the E2EE side of the call while an encrypted consultation waits, and only then', async () => {
    const encrypted = new FakeServer();
    const session = patientSession(encrypted);
    encrypted.on('/v1/lobby/join', () => ({ status: 201, body: { ticket: 'T1', consultation: { id: 'c-1', locale: 'en', e2ee: true } } }));
    const created = FakeCallRoom.created;
    await session.join({ code: 'ABC-123', name: 'Ann' });
    // No SFU URL from the host or the server: the room is still prepared, for the encryption.
    await until(() => FakeCallRoom.created === created + 1 && FakeCallRoom.last!.preparedOptions !== undefined);
    expect(FakeCallRoom.last!.prepared).to.be.undefined;
    expect(FakeCallRoom.last!.preparedOptions).to.deep.equal({ encrypted: true });
    await session.leave();

    const plain = new FakeServer();
    const other = patientSession(plain);
    await other.join({ code: 'ABC-123', name: 'Ann' });
    await until(() => plain.openStreams === 1);
    // Unencrypted and no URL to warm up: nothing to prepare, the call's code is only fetched.
    expect(FakeCallRoom.created).to.equal(created + 1);
    await other.leave();
  });

  it('ignores malformed events and unknown types with a warning', async () => {
    const server = new FakeServer();
    const session = patientSession(server);
    const warnings: string[] = [];
    const originalWarn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args.join(' '));
    try {
      await session.join({ code: 'ABC', name: 'Ann' });
      await until(() => server.openStreams === 1);
      server.send('event: queue\ndata: {not json\n\n');
      server.event('queue', { position: -1 });
      server.event('surprise', {});
      server.event('queue', { position: 3 });
      await until(() => session.snapshot.queue?.position === 3);
    } finally {
      console.warn = originalWarn;
    }
    expect(warnings.some((w) => w.includes('not valid JSON'))).to.be.true;
    expect(warnings.some((w) => w.includes('positive integer'))).to.be.true;
    expect(warnings.some((w) => w.includes('unknown event type'))).to.be.true;
    session.dispose();
  });

  it('reconnects a dropped stream with the same ticket', async () => {
    const server = new FakeServer();
    const session = patientSession(server);
    await session.join({ code: 'ABC', name: 'Ann' });
    await until(() => server.openStreams === 1);
    server.dropStreams();
    await until(() => server.streamOpens === 2 && server.openStreams === 1);
    const opens = server.requests.filter((r) => r.url === '/v1/lobby/events');
    expect(opens.map((r) => r.authorization)).to.deep.equal(['Bearer T1', 'Bearer T1']);
    expect(session.state).to.equal('waiting');
    session.dispose();
  });

  it('resumes after a drop with Last-Event-ID, so messages are not repeated', async () => {
    const server = new FakeServer();
    const session = patientSession(server);
    await session.join({ code: 'ABC', name: 'Ann' });
    await until(() => server.openStreams === 1);
    server.send('id: 7\nevent: message\ndata: {"text":"hello","at":"2026-01-01T10:00:00Z"}\n\n');
    await until(() => session.snapshot.messages.length === 1);
    server.dropStreams();
    await until(() => server.streamOpens === 2);
    const opens = server.requests.filter((r) => r.url === '/v1/lobby/events');
    expect(opens.map((r) => r.lastEventId)).to.deep.equal([null, '7']);
    session.dispose();
  });

  it('records a lobby error event and keeps waiting; ends when the server ends the call', async () => {
    const server = new FakeServer();
    const session = patientSession(server);
    await session.join({ code: 'ABC', name: 'Ann' });
    await until(() => server.openStreams === 1);
    server.event('error', { code: 'grant_failed', message: 'Admission failed. Reconnect to try again.' });
    await until(() => session.snapshot.error?.code === 'grant_failed');
    expect(session.state).to.equal('waiting');
    server.event('admitted', ADMISSION);
    await until(() => session.state === 'in-call');
    server.event('ended', {});
    await until(() => session.state === 'ended');
    expect(session.snapshot.endReason).to.equal('ended');
    expect(FakeCallRoom.last!.disconnected).to.be.true;
  });

  it('returns to the form with invalid_code when the code is refused', async () => {
    const server = new FakeServer();
    const session = patientSession(server);
    server.on('/v1/lobby/join', () => ({ status: 404, body: { error: { code: 'invalid_code', message: 'That code is not valid.' } } }));
    await session.join({ code: 'WRONG', name: 'Ann' });
    expect(session.state).to.equal('checking-devices');
    expect(session.snapshot.error).to.deep.equal({ code: 'invalid_code', message: 'That code is not valid.' });
  });

  it('shows declined with the reason and closes the stream', async () => {
    const server = new FakeServer();
    const session = patientSession(server);
    await session.join({ code: 'ABC', name: 'Ann' });
    await until(() => server.openStreams === 1);
    server.event('declined', { reason: 'Please call the practice.' });
    await until(() => session.state === 'declined');
    expect(session.snapshot.declineReason).to.equal('Please call the practice.');
    await until(() => server.openStreams === 0);
  });

  it('fails when the stream refuses the ticket', async () => {
    const server = new FakeServer();
    server.streamStatus = 401;
    const session = patientSession(server);
    await session.join({ code: 'ABC', name: 'Ann' });
    await until(() => session.state === 'failed');
    expect(session.snapshot.error!.code).to.equal('invalid_ticket');
  });

  it('leaving the waiting room tells the server', async () => {
    const server = new FakeServer();
    const session = patientSession(server);
    await session.join({ code: 'ABC', name: 'Ann' });
    await session.leave();
    const leave = server.requests.find((r) => r.url === '/v1/lobby/leave');
    expect(leave?.authorization).to.equal('Bearer T1');
    expect(session.snapshot.endReason).to.equal('left');
  });

  it('rejoins with a fresh grant once after a lost connection, then ends with the room', async () => {
    const server = new FakeServer();
    server.on('/v1/lobby/grant', () => ({ status: 200, body: { ...ADMISSION, token: 'fresh' } }));
    const session = await patientInCall(server);
    const first = FakeCallRoom.last!;
    first.callbacks.onReconnecting();
    expect(session.state).to.equal('reconnecting');
    first.callbacks.onReconnected();
    expect(session.state).to.equal('in-call');
    first.drop('lost');
    await until(() => FakeCallRoom.last !== first && session.state === 'in-call');
    expect(FakeCallRoom.last!.admission!.token).to.equal('fresh');
    FakeCallRoom.last!.drop('ended');
    expect(session.state).to.equal('ended');
    expect(session.snapshot.endReason).to.equal('ended');
  });

  it('a room lost while it is still joining is given up, not waited for: the session joins again with a fresh grant and room', async () => {
    const server = new FakeServer();
    server.on('/v1/lobby/grant', () => ({ status: 200, body: { ...ADMISSION, token: 'fresh' } }));
    let release = (): void => undefined;
    FakeCallRoom.holdConnect = new Promise((resolve) => (release = resolve));
    try {
      const session = patientSession(server);
      await session.join({ code: 'ABC', name: 'Ann' });
      await until(() => server.openStreams === 1);
      server.event('admitted', ADMISSION);
      await until(() => session.state === 'connecting');
      await new Promise((r) => setTimeout(r, 20)); // the room is built and its connect() is held
      const first = FakeCallRoom.last!;
      // Its media connection is gone while it publishes: rebuilt in place it may never show the other's video
      // again (client-sdk-js#2074), and its held connect() may never settle.
      first.callbacks.onMediaLost();
      await until(() => FakeCallRoom.last !== first);
      expect(first.disconnected).to.equal(true);
      FakeCallRoom.holdConnect = undefined;
      release();
      await until(() => session.state === 'in-call');
      expect(FakeCallRoom.last).to.not.equal(first);
      expect(FakeCallRoom.last!.admission!.token).to.equal('fresh');
      // Once established, a lost media connection rejoins too.
      const second = FakeCallRoom.last!;
      second.callbacks.onMediaLost();
      await until(() => FakeCallRoom.last !== second && session.state === 'in-call');
      expect(second.disconnected).to.equal(true);
    } finally {
      // Never leave the hold behind for the next test, even when this one fails.
      FakeCallRoom.holdConnect = undefined;
      release();
    }
  });

  it('a rejoin whose new room drops before it is in the call tries again (the SFU restarted twice), never keeping a dead room', async () => {
    const server = new FakeServer();
    let grants = 0;
    server.on('/v1/lobby/grant', () => ({ status: 200, body: { ...ADMISSION, token: `fresh-${++grants}` } }));
    const session = await patientInCall(server);
    const first = FakeCallRoom.last!;
    let release = (): void => undefined;
    FakeCallRoom.holdConnect = new Promise((resolve) => (release = resolve));
    try {
      first.drop('lost');
      await until(() => FakeCallRoom.last !== first);
      await new Promise((r) => setTimeout(r, 20)); // the rejoin's room is connecting (held)
      const second = FakeCallRoom.last!;
      expect(session.state).to.equal('reconnecting');
      // The SFU drops the new participant before its connect() returns; connect() itself then still resolves.
      second.drop('lost');
      FakeCallRoom.holdConnect = undefined;
      release();
      await until(() => FakeCallRoom.last !== second && session.state === 'in-call');
      expect(second.disconnected, 'the dropped room is let go').to.equal(true);
      expect(FakeCallRoom.last!.admission!.token).to.equal('fresh-2');
    } finally {
      FakeCallRoom.holdConnect = undefined;
      release();
    }
  });

  it('keeps rejoining while the server or SFU is down, staying "reconnecting", and is back after each loss', async () => {
    const server = new FakeServer();
    let grantAnswers = 0;
    server.on('/v1/lobby/grant', () => {
      grantAnswers += 1;
      // The first two tries find the SFU still down.
      return grantAnswers <= 2
        ? { status: 502, body: { error: { code: 'sfu_unavailable', message: 'The media server could not be reached.' } } }
        : { status: 200, body: { ...ADMISSION, token: `fresh-${grantAnswers}` } };
    });
    const session = patientSession(server);
    const seen = states(session);
    await session.join({ code: 'ABC', name: 'Ann' });
    await until(() => server.openStreams === 1);
    server.event('admitted', ADMISSION);
    await until(() => session.state === 'in-call');
    const first = FakeCallRoom.last!;
    first.drop('lost');
    expect(session.state).to.equal('reconnecting');
    await until(() => session.state === 'in-call');
    expect(grantAnswers).to.equal(3);
    expect(FakeCallRoom.last!.admission!.token).to.equal('fresh-3');
    // A second loss later in the same call is bridged too (no "one attempt per session").
    const second = FakeCallRoom.last!;
    second.drop('lost');
    await until(() => FakeCallRoom.last !== second && session.state === 'in-call');
    expect(FakeCallRoom.last!.admission!.token).to.equal('fresh-4');
    expect(seen.filter((s) => s === 'reconnecting').length).to.equal(2);
    expect(seen.slice(seen.indexOf('in-call'))).to.not.include('waiting', 'never back through the lobby');
    await session.leave();
  });

  it('never publishes again when the user leaves while a rejoin waits for its grant', async () => {
    const server = new FakeServer();
    let session: ConsultationSession | undefined;
    server.on('/v1/lobby/grant', () => {
      void session!.leave(); // the user presses Leave while the grant is on its way
      return { status: 200, body: { ...ADMISSION, token: 'late' } };
    });
    session = patientSession(server);
    await session.join({ code: 'ABC', name: 'Ann' });
    await until(() => server.openStreams === 1);
    server.event('admitted', ADMISSION);
    await until(() => session!.state === 'in-call');
    const created = FakeCallRoom.created;
    FakeCallRoom.last!.drop('lost');
    await until(() => session!.state === 'ended');
    await new Promise((r) => setTimeout(r, 50));
    expect(FakeCallRoom.created, 'no new room was made and connected').to.equal(created);
  });

  it('switches to the key of a re-sent admission while in the call (a key event missed during a reconnect)', async () => {
    const server = new FakeServer();
    const session = patientSession(server);
    await session.join({ code: 'ABC', name: 'Ann' });
    await until(() => server.openStreams === 1);
    server.event('admitted', { ...ADMISSION, e2eeKey: 'first-key-0123456789' });
    await until(() => session.state === 'in-call');
    server.event('admitted', { ...ADMISSION, e2eeKey: 'second-key-0123456789' });
    await until(() => FakeCallRoom.last!.keys.length === 1);
    expect(FakeCallRoom.last!.keys).to.deep.equal(['second-key-0123456789']);
    server.event('key', { e2eeKey: 'third-key-0123456789' });
    await until(() => FakeCallRoom.last!.keys.length === 2);
    expect(session.state).to.equal('in-call');
    await session.leave();
  });

  it('stops rejoining when the consultation ended (410) or the patient was removed (403)', async () => {
    for (const [status, expected] of [
      [410, 'ended'],
      [403, 'failed'],
    ] as const) {
      const server = new FakeServer();
      server.on('/v1/lobby/grant', () => ({ status, body: { error: { code: 'x', message: 'No.' } } }));
      const session = patientSession(server);
      await session.join({ code: 'ABC', name: 'Ann' });
      await until(() => server.openStreams === 1);
      server.event('admitted', ADMISSION);
      await until(() => session.state === 'in-call');
      FakeCallRoom.last!.drop('lost');
      await until(() => session.state === expected);
      expect(server.requests.filter((r) => r.url === '/v1/lobby/grant').length).to.equal(1);
    }
  });

  it('renews a short grant through the lobby before it expires, and leaves the call when the lobby refuses', async function () {
    this.timeout(20_000);
    const server = new FakeServer();
    let answer: { status: number; body: unknown } = {
      status: 200,
      body: { ...ADMISSION, token: 'renewed-token', expiresAt: new Date(Date.now() + 35_000).toISOString() },
    };
    server.on('/v1/lobby/grant', () => answer);
    const session = patientSession(server);
    await session.join({ code: 'ABC', name: 'Ann' });
    await until(() => server.openStreams === 1);
    // Expires in 35 s: renewed 30 s before, i.e. after the 5 s floor.
    server.event('admitted', { ...ADMISSION, expiresAt: new Date(Date.now() + 35_000).toISOString() });
    await until(() => session.state === 'in-call');
    await until(() => server.requests.some((r) => r.url === '/v1/lobby/grant'));
    answer = { status: 403, body: { error: { code: 'not_admitted', message: 'You may not join this consultation.' } } };
    await until(() => session.state === 'failed');
    expect(server.requests.filter((r) => r.url === '/v1/lobby/grant').length).to.equal(2);
    expect(session.snapshot.error?.code).to.equal('connection_lost');
  });

  it('notifies subscribers only when the selected value changes', async () => {
    const server = new FakeServer();
    const session = patientSession(server);
    const seen: string[] = [];
    const unsubscribe = session.subscribe(
      (s) => s.state,
      (state, previous) => seen.push(`${previous}>${state}`),
    );
    session.beginDeviceCheck();
    session.beginDeviceCheck();
    unsubscribe();
    await session.join({ code: 'ABC', name: 'Ann' });
    expect(seen).to.deep.equal(['idle>checking-devices']);
    session.dispose();
  });
});

describe('ConsultationSession (practitioner)', () => {
  function practitioner(server: FakeServer, extra: Partial<SessionConfig> = {}) {
    server.on('/v1/practitioner/admit', () => ({ status: 200, body: {} }));
    server.on('/v1/practitioner/end', () => ({ status: 200, body: {} }));
    server.on('/v1/practitioner/grant', () => ({ status: 200, body: ADMISSION }));
    return new ConsultationSession({
      serverUrl: 'https://api.test',
      role: 'practitioner',
      practitionerToken: 'PT',
      fetch: server.fetch,
      lobbyBackoff: [1],
      createCallRoom: (callbacks) => new FakeCallRoom(callbacks),
      ...extra,
    });
  }

  it('gets the grant from the server, shows the queue, admits and ends for everyone', async () => {
    const server = new FakeServer();
    const session = practitioner(server);
    await session.startPractitioner();
    expect(session.state).to.equal('in-call');
    expect(server.requests.find((r) => r.url === '/v1/practitioner/grant')!.authorization).to.equal('Bearer PT');
    await until(() => server.openStreams === 1);
    server.event('queue', {
      patients: [
        {
          ticketId: 't1',
          name: 'Ann',
          waitingSince: '2026-01-01T10:00:00Z',
          deviceCheck: { verdict: 'warning', camera: 'denied', microphone: 'ok', network: 'ok' },
        },
        { name: 'no ticket id' },
      ],
    });
    await until(() => session.snapshot.waitingPatients.length === 1);
    expect(session.snapshot.waitingPatients[0]!.deviceCheck!.camera).to.equal('denied');
    await session.admit('t1');
    expect(server.requests.find((r) => r.url === '/v1/practitioner/admit')!.body).to.deep.equal({ ticketId: 't1' });
    await session.endForEveryone();
    expect(session.state).to.equal('ended');
    expect(session.snapshot.endReason).to.equal('ended');
  });

  it('uses the host callback for the grant, including a bare token with livekitUrl', async () => {
    const server = new FakeServer();
    let calls = 0;
    const session = practitioner(server, {
      livekitUrl: 'wss://sfu.example',
      getGrant: async () => {
        calls += 1;
        return 'bare-jwt';
      },
    });
    await session.startPractitioner();
    expect(calls).to.equal(1);
    expect(FakeCallRoom.last!.admission).to.deep.equal({ livekitUrl: 'wss://sfu.example', token: 'bare-jwt' });
    session.dispose();
  });

  it('refreshes its token before it expires and uses the new one; a revoked token ends the session', async function () {
    this.timeout(10_000);
    const expiringSoon = (e: number) => `vcp.${btoa(JSON.stringify({ e }))}.signature`;
    const first = expiringSoon(Math.floor(Date.now() / 1000) + 2);
    const second = expiringSoon(Math.floor(Date.now() / 1000) + 3);
    const server = new FakeServer();
    let refreshes = 0;
    server.on('/v1/practitioner/token', () => {
      refreshes += 1;
      return refreshes === 1
        ? { status: 201, body: { token: second, tokenId: 'x', expiresAt: new Date().toISOString() } }
        : { status: 401, body: { error: { code: 'token_revoked', message: 'This practitioner token was revoked.' } } };
    });
    const session = practitioner(server, { practitionerToken: first });
    await session.startPractitioner();
    expect(session.state).to.equal('in-call');
    await until(() => refreshes === 1);
    const refresh = server.requests.find((r) => r.url === '/v1/practitioner/token')!;
    expect(refresh.authorization).to.equal(`Bearer ${first}`);
    // The queue stream is reopened with the refreshed token, and actions use it.
    await until(() => server.requests.some((r) => r.url === '/v1/practitioner/events' && r.authorization === `Bearer ${second}`));
    await session.admit('t1');
    expect(server.requests.find((r) => r.url === '/v1/practitioner/admit')!.authorization).to.equal(`Bearer ${second}`);
    // The second refresh is refused as revoked: the session ends with that error.
    await until(() => session.state === 'failed');
    expect(refreshes).to.equal(2);
    expect(session.snapshot.error!.code).to.equal('token_revoked');
  });

  it('ends when the queue stream says the token was revoked', async () => {
    const server = new FakeServer();
    const session = practitioner(server);
    await session.startPractitioner();
    await until(() => server.openStreams === 1);
    server.event('revoked', {});
    await until(() => session.state === 'failed');
    expect(session.snapshot.error!.code).to.equal('token_revoked');
  });

  it('says so when the queue stream says the token expired, and does not reopen it with that token', async () => {
    const server = new FakeServer();
    const session = practitioner(server);
    await session.startPractitioner();
    await until(() => server.openStreams === 1);
    const streams = () => server.requests.filter((r) => r.url === '/v1/practitioner/events').length;
    server.event('expired', {});
    await until(() => session.snapshot.error !== undefined);
    expect(session.snapshot.error!.code).to.equal('token_expired');
    await new Promise((r) => setTimeout(r, 100));
    expect(streams()).to.equal(1);
    expect(session.state).to.not.equal('failed');
  });

  it('fails clearly on a malformed grant and records action errors', async () => {
    const server = new FakeServer();
    const session = practitioner(server, { grant: '{"token": 1' });
    await session.startPractitioner();
    expect(session.state).to.equal('failed');
    expect(session.snapshot.error!.code).to.equal('invalid_grant');
  });
});
