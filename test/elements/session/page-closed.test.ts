import { expect } from '@open-wc/testing';
import { ConsultationSession } from '../../../src/session/consultation-session.js';
import { FakeCallRoom } from '../helpers/fake-call-room.js';
import { FakeServer, until } from '../helpers/fake-server.js';

/** What the page sent: the fake server records URL, auth and body; the request options are read here. */
interface Sent {
  path: string;
  init: RequestInit;
}

function waitingPatient() {
  const server = new FakeServer();
  server.on('/v1/lobby/join', () => ({ status: 201, body: { ticket: 'T1', consultation: { id: 'c-1', locale: 'en', e2ee: false } } }));
  server.on('/v1/lobby/leave', () => ({ status: 202 }));
  const sent: Sent[] = [];
  const session = new ConsultationSession({
    serverUrl: 'https://api.test/',
    role: 'patient',
    fetch: (input, init = {}) => {
      sent.push({ path: new URL(String(input)).pathname, init });
      return server.fetch(input, init);
    },
    lobbyBackoff: [1],
    resumeOnReload: false,
    createCallRoom: (callbacks) => new FakeCallRoom(callbacks),
  });
  return { server, session, sent, leaves: () => sent.filter((s) => s.path === '/v1/lobby/leave') };
}

const hide = (persisted = false) => window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted }));
const show = (persisted: boolean) => window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted }));

describe('a waiting patient whose page goes away', () => {
  it('tells the server on pagehide with a keepalive request carrying the ticket, without cookies', async () => {
    const { server, session, leaves } = waitingPatient();
    await session.join({ code: 'ABC', name: 'Ann' });
    await until(() => server.openStreams === 1);
    hide();
    await until(() => leaves().length === 1);
    const [leave] = leaves();
    expect(leave!.init.method).to.equal('POST');
    expect(leave!.init.keepalive).to.equal(true);
    expect(leave!.init.credentials).to.equal('omit');
    expect(new Headers(leave!.init.headers).get('Authorization')).to.equal('Bearer T1');
    expect(JSON.parse(String(leave!.init.body))).to.deep.equal({ reason: 'page_closed' });
    // Still waiting: the page may come back (a reload); the server decides after its grace period.
    expect(session.state).to.equal('waiting');
    session.dispose();
  });

  it('reconnects its stream when restored from the back/forward cache (the server then keeps its place)', async () => {
    const { server, session } = waitingPatient();
    await session.join({ code: 'ABC', name: 'Ann' });
    await until(() => server.openStreams === 1);
    const opens = server.streamOpens;
    hide(true);
    show(false);
    expect(server.streamOpens).to.equal(opens, 'a page shown for the first time changes nothing');
    show(true);
    await until(() => server.streamOpens === opens + 1);
    expect(server.openStreams).to.equal(1);
    session.dispose();
  });

  it('sends nothing once it is no longer waiting: in the call, after leaving, or after the session ended', async () => {
    const { server, session, leaves } = waitingPatient();
    await session.join({ code: 'ABC', name: 'Ann' });
    await until(() => server.openStreams === 1);
    server.event('admitted', { livekitUrl: 'ws://sfu.test', token: 'lk', identity: 'p-1', consultationId: 'c-1' });
    await until(() => session.state === 'in-call');
    hide();
    session.dispose();

    const other = waitingPatient();
    await other.session.join({ code: 'ABC', name: 'Ann' });
    await until(() => other.server.openStreams === 1);
    await other.session.leave();
    expect(other.leaves()).to.have.length(1);
    expect(other.leaves()[0]!.init.body, 'an explicit leave takes effect at once (no reason: left)').to.equal(undefined);
    hide();
    await new Promise((r) => setTimeout(r, 50));
    expect(leaves()).to.have.length(0);
    expect(other.leaves()).to.have.length(1, 'no second leave after the explicit one');
  });
});
