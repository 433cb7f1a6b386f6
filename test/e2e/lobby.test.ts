// The lobby through the real stack: a patient page (the SDK's session core) waits with an access code;
// the practitioner side sees it in the queue with its device check and admits it through the HTTP API;
// the patient's page receives `admitted` and joins the room on the real SFU.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RoomServiceClient } from 'livekit-server-sdk';
import { EventStreamReader } from './sse.js';
import { useStack } from './stack.js';

const stack = useStack();

interface WaitingPatient {
  ticketId: string;
  name: string;
  alias?: string;
  deviceCheck?: { verdict: string };
}

test('a waiting patient is admitted through the API and joins the SFU room', async () => {
  const consultation = await stack.integrator<{ id: string }>('POST', '/v1/consultations', { title: 'Lobby e2e' });
  const { code } = await stack.integrator<{ code: string }>('POST', `/v1/consultations/${consultation.id}/access-codes`, {
    alias: 'Patient A',
  });
  const { token } = await stack.integrator<{ token: string }>('POST', `/v1/consultations/${consultation.id}/practitioner-tokens`, {
    name: 'Dr. P',
  });

  const queue = new EventStreamReader(`${stack.apiUrl}/v1/practitioner/events`, token);
  try {
    const patient = await stack.newPage();
    await patient.goto(`${stack.pagesUrl}/e2e/session.html`);
    await patient.waitForFunction(() => document.body.dataset.ready === 'true');
    await patient.evaluate((serverUrl) => window.vc.create({ serverUrl, role: 'patient' }), stack.apiUrl);
    await patient.evaluate((accessCode) => {
      void window.vc.session!.join({
        code: accessCode,
        name: 'Alex Example',
        deviceCheck: { verdict: 'ok', camera: 'ok', microphone: 'ok', network: 'ok' },
      });
    }, code);
    await patient.waitForFunction(() => window.vc.state() === 'waiting', undefined, { timeout: 15000 });
    // The position arrives as the stream's first event, just after the state changed to waiting.
    await patient.waitForFunction(() => window.vc.session!.snapshot.queue?.position === 1, undefined, { timeout: 15000 });

    const { patients } = await queue.latest<{ patients: WaitingPatient[] }>(
      (e) => e.type === 'queue' && (e.data as { patients: unknown[] }).patients.length === 1,
    );
    assert.equal(patients[0]!.name, 'Alex Example');
    assert.equal(patients[0]!.alias, 'Patient A');
    assert.equal(patients[0]!.deviceCheck?.verdict, 'ok');

    const admit = await fetch(`${stack.apiUrl}/v1/practitioner/admit`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ticketId: patients[0]!.ticketId }),
    });
    assert.equal(admit.status, 200, await admit.text());

    await patient
      .waitForFunction(() => window.vc.state() === 'in-call', undefined, { timeout: 20000 })
      .catch(async (err: Error) => {
        throw new Error(`${err.message}; patient snapshot: ${JSON.stringify(await patient.evaluate(() => window.vc.snapshot()))}`);
      });
    const states = await patient.evaluate(() => window.vc.states);
    assert.deepEqual(
      states.filter((s) => ['waiting', 'admitted', 'connecting', 'in-call'].includes(s)),
      ['waiting', 'admitted', 'connecting', 'in-call'],
    );
    // The SFU itself confirms the patient is in the consultation's room, and that nobody else is.
    const rooms = new RoomServiceClient(stack.sfu.httpUrl, stack.sfu.apiKey, stack.sfu.apiSecret);
    // By name: the patient's lobby connection test may have left its own (empty) vctest- room beside it.
    const room = (await rooms.listRooms()).find((r) => r.name === `vc-${consultation.id}`);
    assert.ok(room, 'the token server created the room');
    const participants = await rooms.listParticipants(room.name);
    // The practitioner's alias for the patient names them in the room.
    assert.deepEqual(
      participants.map((p) => p.name),
      ['Patient A'],
    );
  } finally {
    queue.close();
  }
});
