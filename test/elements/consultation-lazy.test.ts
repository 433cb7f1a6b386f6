// The call is not part of the first load: <vc-call> (and livekit-client beside it) is fetched while the patient
// waits. This file imports only the main entry, so nothing else defines <vc-call> first.
import { expect, fixture, html } from '@open-wc/testing';
import '../../src/index.js';
import type { VcConsultation } from '../../src/components/consultation/consultation.js';
import { FakeCallRoom } from './helpers/fake-call-room.js';
import { FakeServer, until } from './helpers/fake-server.js';

describe('<vc-consultation> loads the call on demand', () => {
  it('has no <vc-call> before the waiting room and defines it while the patient waits', async () => {
    expect(customElements.get('vc-call'), 'vc-call is defined by the first load').to.be.undefined;
    const server = new FakeServer();
    server.on('/v1/lobby/join', () => ({ status: 201, body: { ticket: 'T', consultation: { id: 'c1', locale: 'en', e2ee: false } } }));
    const el = await fixture<VcConsultation>(html`<vc-consultation server-url="https://api.test"></vc-consultation>`);
    el.session.configure({ fetch: server.fetch, lobbyBackoff: [1], createCallRoom: (callbacks) => new FakeCallRoom(callbacks) });
    expect(customElements.get('vc-call'), 'vc-call is loaded before the patient waits').to.be.undefined;
    await el.session.join({ code: 'ABC', name: 'Ann' });
    await until(() => el.session.state === 'waiting');
    await until(() => customElements.get('vc-call') !== undefined, 'vc-call defined while waiting');
    await el.session.leave();
  });
});
