import { expect, fixture, html } from '@open-wc/testing';
import '../../src/components/call/call.js';
import '../../src/components/chat/chat.js';
import '../../src/components/waiting-room/waiting-room.js';
import { loadLocale } from '../../src/controllers/localize.js';
import type { VcCall } from '../../src/components/call/call.js';
import type { VcChat } from '../../src/components/chat/chat.js';
import type { VcWaitingRoom } from '../../src/components/waiting-room/waiting-room.js';
import { ChatController, createHttpUploads, type ChatAttachment } from '../../src/session/chat.js';
import { downloadName } from '../../src/session/download-name.js';
import type { ParticipantView, WaitingPatient } from '../../src/session/types.js';
import { FakeSession } from './helpers/fake-session.js';
import { createLoopbackTransports } from './helpers/loopback-transport.js';
import { participantView } from './helpers/fake-call-room.js';

const person = (identity: string, name: string, role: string | undefined, isLocal = false): ParticipantView =>
  participantView({ identity, name, isLocal, cameraEnabled: false, ...(role ? { role } : {}) });

describe('practitioner marks come from the server-set role, never from the name', () => {
  it('call tiles: "Dr. Weber" the patient is not marked; the practitioner is, whatever their name', async () => {
    const session = new FakeSession({
      state: 'in-call',
      participants: [
        person('me', 'Me', 'patient', true),
        person('patient-x', 'Dr. Weber', 'patient'),
        person('practitioner-y', 'Anna', 'practitioner'),
      ],
    });
    const el = await fixture<VcCall>(html`<vc-call .session=${session}></vc-call>`);
    const tile = (identity: string) => el.shadowRoot!.querySelector(`figure[data-identity="${identity}"]`)!;
    expect(tile('patient-x').querySelector('[part=role]')).to.equal(null);
    expect(tile('practitioner-y').querySelector('[part=role]')?.textContent).to.equal('Practitioner');
    expect((tile('practitioner-y') as HTMLElement).dataset.role).to.equal('practitioner');
    await expect(el).to.be.accessible();
  });

  it('chat: only messages from the identity whose role is practitioner are marked', async () => {
    const transports = createLoopbackTransports(3, ['Anna', 'Dr. Weber', 'Me']);
    const [practitionerChat, impostorChat, mine] = transports.map(
      (t, i) => new ChatController(t, { role: i === 0 ? 'practitioner' : 'patient' }),
    );
    const session = new FakeSession({
      state: 'in-call',
      participants: [person('p1', 'Anna', 'practitioner'), person('p2', 'Dr. Weber', 'patient'), person('p3', 'Me', 'patient', true)],
    });
    const el = await fixture<VcChat>(html`<vc-chat .session=${session} .chat=${mine}></vc-chat>`);
    await practitionerChat!.send('from the practitioner');
    await impostorChat!.send('from the impostor');
    await new Promise((r) => setTimeout(r, 50));
    await el.updateComplete;
    const items = [...el.shadowRoot!.querySelectorAll('li.message')];
    const marked = items.map((li) => [li.querySelector('.text')?.textContent, li.querySelector('[part=role]')?.textContent ?? null]);
    expect(marked).to.deep.equal([
      ['from the practitioner', 'Practitioner'],
      ['from the impostor', null],
    ]);
    for (const c of [practitionerChat, impostorChat, mine]) c!.dispose();
  });
});

describe('roles the integrator gives a code are shown from the server-set role, never from the name', () => {
  const marks = (root: ShadowRoot, item: string) =>
    [...root.querySelectorAll(item)].map((node) => [
      node.querySelector('.name, strong')?.textContent?.trim(),
      node.querySelector('[part=role]')?.textContent ?? null,
    ]);

  it('call tiles: an interpreter and a relative are marked; a patient named "Interpreter" is not', async () => {
    const session = new FakeSession({
      state: 'in-call',
      participants: [
        person('me', 'Me', 'relative', true),
        person('patient-a', 'Interpreter', 'patient'),
        person('patient-b', 'Ana', 'interpreter'),
        person('patient-c', 'Ben', 'relative'),
        person('patient-d', 'Cleo', 'nurse'),
      ],
    });
    const el = await fixture<VcCall>(html`<vc-call .session=${session}></vc-call>`);
    expect(marks(el.shadowRoot!, 'figure.remote')).to.deep.equal([
      ['Interpreter', null],
      ['Ana', 'Interpreter'],
      ['Ben', 'Relative'],
      ['Cleo', null],
    ]);
    expect(el.shadowRoot!.querySelector('figure.local [part=role]')).to.equal(null);
    await expect(el).to.be.accessible();
  });

  it('chat: messages from an interpreter and a relative carry their role', async () => {
    const transports = createLoopbackTransports(3, ['Ana', 'Ben', 'Me']);
    const [interpreterChat, relativeChat, mine] = transports.map((t) => new ChatController(t, { role: 'patient' }));
    const session = new FakeSession({
      state: 'in-call',
      participants: [person('p1', 'Ana', 'interpreter'), person('p2', 'Ben', 'relative'), person('p3', 'Me', 'patient', true)],
    });
    const el = await fixture<VcChat>(html`<vc-chat .session=${session} .chat=${mine}></vc-chat>`);
    await mine!.send('Hello');
    await interpreterChat!.send('I translate');
    await relativeChat!.send('I am her son');
    await new Promise((r) => setTimeout(r, 50));
    await el.updateComplete;
    const items = [...el.shadowRoot!.querySelectorAll('li.message')];
    expect(items.map((li) => [li.querySelector('.text')?.textContent, li.querySelector('[part=role]')?.textContent ?? null])).to.deep.equal(
      [
        ['Hello', null],
        ['I translate', 'Interpreter'],
        ['I am her son', 'Relative'],
      ],
    );
    await expect(el).to.be.accessible();
    for (const c of [interpreterChat, relativeChat, mine]) c!.dispose();
  });

  it("the practitioner's queue marks interpreters and relatives, in the page's language", async () => {
    const since = new Date().toISOString();
    const waiting: WaitingPatient[] = [
      { ticketId: 't1', name: 'Relative', role: 'patient', waitingSince: since },
      { ticketId: 't2', name: 'Ana', role: 'interpreter', waitingSince: since },
      { ticketId: 't3', name: 'Ben', role: 'relative', waitingSince: since },
      { ticketId: 't4', name: 'Cleo', waitingSince: since },
    ];
    const session = new FakeSession({ role: 'practitioner', state: 'in-call', waitingPatients: waiting });
    const el = await fixture<VcWaitingRoom>(html`<vc-waiting-room .session=${session} quiet></vc-waiting-room>`);
    expect(marks(el.shadowRoot!, '[part=patient]')).to.deep.equal([
      ['Relative', null],
      ['Ana', 'Interpreter'],
      ['Ben', 'Relative'],
      ['Cleo', null],
    ]);
    await expect(el).to.be.accessible();
    await loadLocale('de');
    el.lang = 'de';
    await el.updateComplete;
    await new Promise((r) => setTimeout(r, 0));
    expect(marks(el.shadowRoot!, '[part=patient]').map(([, role]) => role)).to.deep.equal([null, 'Dolmetscher·in', 'Angehörige·r', null]);
  });
});

describe('downloads are named by the server', () => {
  it("saves under the server's sanitised name with the sniffed type's extension, not the sender's name or type", async () => {
    const fakeFetch = (async () =>
      new Response(new Uint8Array([0x25, 0x50, 0x44, 0x46]), {
        status: 200,
        headers: {
          'content-type': 'application/pdf',
          'content-disposition': `attachment; filename="Befund M_ller.pdf"; filename*=UTF-8''Befund%20M%C3%BCller.pdf`,
        },
      })) as typeof fetch;
    const uploads = createHttpUploads({ serverUrl: 'https://api.test/', room: 'r', token: () => 't', fetch: fakeFetch });
    const claimed = { id: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'invoice.pdf.exe', type: 'image/png', size: 4, url: '' } as ChatAttachment;
    const file = await uploads.download(claimed);
    expect(file).to.be.instanceOf(File);
    expect((file as File).name).to.equal('Befund Müller.pdf');
    expect(file.type).to.equal('application/pdf');
  });

  it('forces the extension of the type and drops paths and invisible characters', () => {
    expect(downloadName(`attachment; filename*=UTF-8''..%2F..%2Fevil%E2%80%AEfdp.exe`, 'application/pdf', 'attachment')).to.equal(
      'evilfdp.pdf',
    );
    expect(downloadName('attachment; filename="photo.html"', 'image/jpeg', 'attachment')).to.equal('photo.jpg');
    expect(downloadName(null, 'image/png', 'attachment')).to.equal('attachment.png');
  });
});
