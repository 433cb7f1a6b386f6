// A practitioner whose token the integrator revokes is removed from a running call by the token server (RoomService
// RemoveParticipant through the real SFU), not only refused at the next request. The removed participant here is a
// bare livekit-client Room joined with that practitioner's grant: no SDK, no event stream that could make it leave
// by itself, so only the server's removal can disconnect it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createConsultation, joinBareRoom, openBareRoom, practitionerGrant, startPractitioner } from './flows.js';
import { useStack } from './stack.js';

/** livekit-client's DisconnectReason.PARTICIPANT_REMOVED (RemoveParticipant API). */
const PARTICIPANT_REMOVED = 4;

const stack = useStack();

test(
  'revoking a practitioner token removes that practitioner from the running call; the other practitioner stays',
  { timeout: 180_000 },
  async () => {
    const consultation = await createConsultation(stack);
    const practitioner = await startPractitioner(stack, consultation);
    const second = await practitionerGrant(stack, consultation.id, 'Dr. Second');
    const identity = String(second.identity);
    const bare = await openBareRoom(stack);
    await joinBareRoom(bare, second.livekitUrl, second.token, second.e2eeKey);
    await practitioner.waitForFunction((id) => window.vc.session!.snapshot.participants.some((p) => p.identity === id), identity, {
      timeout: 20_000,
    });

    const tokenId = identity.slice('practitioner-'.length);
    await stack.integrator('POST', `/v1/consultations/${consultation.id}/practitioner-tokens/${tokenId}/revoke`, {});
    await bare.waitForFunction(() => window.bare.disconnectReason() !== undefined, undefined, { timeout: 10_000 });
    assert.equal(await bare.evaluate(() => window.bare.disconnectReason()), PARTICIPANT_REMOVED);
    await practitioner.waitForFunction((id) => !window.vc.session!.snapshot.participants.some((p) => p.identity === id), identity, {
      timeout: 10_000,
    });
    assert.equal(await practitioner.evaluate(() => window.vc.state()), 'in-call');
  },
);
