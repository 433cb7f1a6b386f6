import { expect, fixture, html } from '@open-wc/testing';
import '../../src/components/device-check/connection-test.js';
import '../../src/components/waiting-room/waiting-room.js';
import type { VcConnectionTest } from '../../src/components/device-check/connection-test.js';
import type { VcWaitingRoom } from '../../src/components/waiting-room/waiting-room.js';
import { withConnection } from '../../src/session/devices.js';
import type { ConnectionSteps, ConnectionTestState, WaitingPatient } from '../../src/session/types.js';
import { FakeSession } from './helpers/fake-session.js';

const squash = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();

async function shown(test: ConnectionTestState): Promise<VcConnectionTest> {
  return fixture<VcConnectionTest>(html`<vc-connection-test .test=${test}></vc-connection-test>`);
}

function rows(el: VcConnectionTest): Record<string, { status: string; text: string }> {
  return Object.fromEntries(
    [...el.shadowRoot!.querySelectorAll('li')].map((li) => [
      li.dataset.step!,
      { status: li.dataset.status!, text: squash(li.textContent) },
    ]),
  );
}

const summary = (el: VcConnectionTest) => squash(el.shadowRoot!.querySelector('[part="summary"]')?.textContent);

const steps = (websocket: string, udp: string, tcp: string, turn: string) => ({ websocket, udp, tcp, turn }) as ConnectionSteps;

/** Each outcome: the steps, the summary, and the one fix each blocked step shows (the host named in it). */
const outcomes: { name: string; steps: ConnectionSteps; summary: string; fixes: Record<string, string | undefined> }[] = [
  {
    name: 'everything works',
    steps: steps('ok', 'ok', 'ok', 'ok'),
    summary: 'Your connection is ready for the call.',
    fixes: {},
  },
  {
    name: 'UDP blocked, TCP carries the call',
    steps: steps('ok', 'failed', 'ok', 'skipped'),
    summary: 'The call will work, possibly less smoothly.',
    fixes: {
      udp: 'Your network blocks UDP: calls will use TCP and may be less smooth. For the best quality, ask your IT to allow UDP to sfu.example.org.',
    },
  },
  {
    name: 'UDP and TCP blocked, the relay carries the call',
    steps: steps('ok', 'failed', 'failed', 'ok'),
    summary: 'The call will work, possibly less smoothly.',
    fixes: { udp: 'calls will go through the relay server and may be less smooth. Ask your IT to allow UDP to sfu.example.org.' },
  },
  {
    name: 'no media path at all',
    steps: steps('ok', 'failed', 'failed', 'failed'),
    summary: 'Your network blocks the call.',
    fixes: { udp: 'Video cannot get through your network. Ask your IT to allow UDP and TCP to sfu.example.org', tcp: undefined },
  },
  {
    name: 'no WebSocket',
    steps: steps('failed', 'skipped', 'skipped', 'skipped'),
    summary: 'Your network blocks the call.',
    fixes: { websocket: 'Your network blocks the video service. Ask your IT to allow sfu.example.org (HTTPS and WebSocket)' },
  },
  {
    name: 'UDP works, the TCP fallback does not',
    steps: steps('ok', 'ok', 'failed', 'skipped'),
    summary: 'Your connection is ready for the call.',
    fixes: { tcp: 'they would need TCP to sfu.example.org, which is blocked here.' },
  },
  {
    name: 'the relay is unreachable',
    steps: steps('ok', 'ok', 'ok', 'failed'),
    summary: 'Your connection is ready for the call.',
    fixes: { turn: 'ask your IT to allow TLS (port 443 or 5349) to sfu.example.org.' },
  },
];

describe('<vc-connection-test>', () => {
  for (const outcome of outcomes) {
    it(`shows "${outcome.name}" with its fixes, accessibly`, async () => {
      const el = await shown({ state: 'done', steps: outcome.steps, host: 'sfu.example.org' });
      const shownRows = rows(el);
      for (const step of ['websocket', 'udp', 'tcp', 'turn'] as const) {
        expect(shownRows[step]?.status, step).to.equal(outcome.steps[step]);
        const word = { ok: 'Works', failed: 'Blocked', skipped: 'Not tested' }[outcome.steps[step]];
        expect(shownRows[step]?.text, step).to.contain(word);
        const fix = outcome.fixes[step];
        if (fix) expect(shownRows[step]?.text, step).to.contain(fix);
        else expect(el.shadowRoot!.querySelector(`li[data-step="${step}"] .fix`), `${step} has no fix`).to.equal(null);
      }
      expect(summary(el)).to.equal(outcome.summary);
      await expect(el).to.be.accessible();
    });
  }

  it('shows the steps as they finish, and says so when the test could not run', async () => {
    const el = await shown({ state: 'running', steps: steps('ok', 'skipped', 'skipped', 'skipped') });
    expect(rows(el).websocket?.text).to.contain('Works');
    expect(rows(el).udp?.text).to.contain('Checking');
    expect(summary(el)).to.equal('Testing your connection…');
    await expect(el).to.be.accessible();
    el.test = { state: 'unavailable' };
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('ul')).to.equal(null);
    expect(summary(el)).to.equal('The connection could not be tested right now. You can still join the call.');
    el.test = undefined;
    await el.updateComplete;
    expect(squash(el.shadowRoot!.textContent)).to.equal('');
  });

  it('speaks the page language', async () => {
    const el = await fixture<VcConnectionTest>(
      html`<vc-connection-test lang="de" .test=${{ state: 'done', steps: steps('ok', 'failed', 'ok', 'skipped'), host: 'sfu.example.org' }}></vc-connection-test>`,
    );
    await new Promise((r) => setTimeout(r, 50));
    await el.updateComplete;
    expect(rows(el).udp?.text).to.contain('Ihr Netzwerk blockiert UDP');
  });
});

describe('the connection test in the waiting room and the queue', () => {
  it('the waiting patient sees the test while waiting', async () => {
    const session = new FakeSession({
      state: 'waiting',
      connectionTest: { state: 'done', steps: steps('ok', 'failed', 'ok', 'skipped'), host: 'sfu.example.org' },
    });
    const el = await fixture<VcWaitingRoom>(html`<vc-waiting-room .session=${session}></vc-waiting-room>`);
    const test = el.shadowRoot!.querySelector('vc-connection-test')!;
    expect(test).to.exist;
    await test.updateComplete;
    expect(squash(test.shadowRoot!.textContent)).to.contain('Your network blocks UDP: calls will use TCP');
    await expect(el).to.be.accessible();
  });

  it("the practitioner's queue entry shows how the call will get through, step by step", async () => {
    const result = (s: ConnectionSteps) => withConnection({ verdict: 'ok', camera: 'ok', microphone: 'ok', network: 'ok' }, s);
    const patients: WaitingPatient[] = [
      { ticketId: 't1', name: 'Ann', waitingSince: new Date().toISOString(), deviceCheck: result(steps('ok', 'failed', 'ok', 'skipped')) },
      { ticketId: 't2', name: 'Bob', waitingSince: new Date().toISOString(), deviceCheck: result(steps('ok', 'ok', 'ok', 'skipped')) },
      {
        ticketId: 't3',
        name: 'Cy',
        waitingSince: new Date().toISOString(),
        deviceCheck: result(steps('failed', 'skipped', 'skipped', 'skipped')),
      },
      { ticketId: 't4', name: 'Di', waitingSince: new Date().toISOString() },
    ];
    const session = new FakeSession({ role: 'practitioner', state: 'in-call', waitingPatients: patients });
    const el = await fixture<VcWaitingRoom>(html`<vc-waiting-room .session=${session} quiet no-title-badge></vc-waiting-room>`);
    const entry = (id: string) => el.shadowRoot!.querySelector(`[data-ticket="${id}"]`)!;
    const connection = (id: string) => squash(entry(id).querySelector('[part="connection"]')?.textContent);
    expect(connection('t1'))
      .to.contain('UDP blocked: via TCP')
      .and.contain('Fast connection (UDP): Blocked')
      .and.contain('Backup connection (TCP): Works');
    expect(entry('t1').textContent).to.contain('Device warning');
    expect(connection('t2')).to.contain('Connection OK');
    expect(connection('t3')).to.contain('Network blocks the call');
    expect(entry('t3').textContent).to.contain('Device problem');
    expect(entry('t4').querySelector('[part="connection"]')).to.equal(null);
    await expect(el).to.be.accessible();
  });
});
