import { expect, fixture, html } from '@open-wc/testing';
import '../../src/components/call/call.js';
import '../../src/components/chat/chat.js';
import type { VcCall } from '../../src/components/call/call.js';
import type { VcChat } from '../../src/components/chat/chat.js';
import { ChatController, createHttpUploads, type ChatAttachment } from '../../src/session/chat.js';
import { downloadName } from '../../src/session/download-name.js';
import type { ParticipantView } from '../../src/session/types.js';
import { FakeSession } from './helpers/fake-session.js';
import { createLoopbackTransports } from './helpers/loopback-transport.js';

const person = (identity: string, name: string, role: string | undefined, isLocal = false): ParticipantView => ({
  identity,
  name,
  isLocal,
  isSpeaking: false,
  connectionQuality: 'good',
  microphoneEnabled: true,
  cameraEnabled: false,
  ...(role ? { role } : {}),
});

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
