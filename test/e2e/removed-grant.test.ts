// A removed patient is out for good even if the SFU's webhooks never arrive. Patient grants are short (config
// patientGrantTtlSeconds, two minutes by default; 30 s here) and the SDK renews them through the lobby, which
// refuses anyone no longer admitted: the last grant the token server minted joins no more once it expired. But
// livekit-server itself hands every connected client a token valid for max(10 min, the grant's remaining time)
// (pkg/service/roommanager.go refreshToken, not configurable), and a removed client may keep that one: with it, it
// gets into the room again, decodes nothing there (the key was rotated), and is removed again by the sweeper
// (the participant_joined webhook would do it at once; here it is lost).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  admitFromPractitioner,
  createConsultation,
  joinBareRoom,
  openBareRoom,
  patientWaits,
  practitionerGrant,
  startPractitioner,
  waitForRemoteVideo,
  waitForState,
} from './flows.js';
import { useStack } from './stack.js';

const GRANT_TTL_S = 30;
/**
 * livekit-server checks a token's expiry with go-jose's default leeway of one minute (jwt.DefaultLeeway, used by
 * Claims.Validate in livekit/protocol's auth verifier): an expired grant still joins within that minute.
 */
const SFU_LEEWAY_S = 60;
/** livekit-client's DisconnectReason.PARTICIPANT_REMOVED (RemoveParticipant API). */
const PARTICIPANT_REMOVED = 4;

const stack = useStack({ patientGrantTtlSeconds: GRANT_TTL_S, sweepIntervalSeconds: 0 }, { loseWebhooks: true });

function expiryOf(jwt: string): number {
  const payload = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { exp: number };
  return payload.exp * 1000;
}

test(
  "after a decline, the patient's saved grant decodes nothing after the key rotation and no longer joins once expired",
  { timeout: 300_000 },
  async () => {
    const consultation = await createConsultation(stack);
    const practitioner = await startPractitioner(stack, consultation);
    const patient = await patientWaits(stack, consultation.codes[0]!, 'Removed');
    await practitioner.waitForFunction(() => window.vc.session!.snapshot.waitingPatients.length === 1, undefined, { timeout: 15000 });
    const ticketId = await practitioner.evaluate(() => window.vc.session!.snapshot.waitingPatients[0]!.ticketId);
    // The grants the token server mints for the patient while it is in the call (renewals through the lobby).
    const serverGrant = new Promise<string>((resolve) =>
      patient.on('response', (response) => {
        if (new URL(response.url()).pathname === '/v1/lobby/grant' && response.ok())
          void response.json().then((body: { token: string }) => resolve(body.token));
      }),
    );
    await admitFromPractitioner(practitioner, 'Removed');
    await waitForState(patient, 'in-call');
    await waitForRemoteVideo(patient, 1);
    await waitForRemoteVideo(practitioner, 1);
    // What a removed patient could keep: the latest grant the token server minted for it (the SDK renews it through
    // the lobby), the token its page holds for the SFU, and the key it decrypts with (the consultation's key until
    // now, as a practitioner grant minted this moment shows).
    const minted = await serverGrant;
    const held = await patient.evaluate(() => window.vc.session!.callAccess()!.token);
    const mintedExpiry = expiryOf(minted);
    assert.ok(mintedExpiry - Date.now() <= GRANT_TTL_S * 1000, `the minted grant is short (expires in ${mintedExpiry - Date.now()} ms)`);
    const oldKey = (await practitionerGrant(stack, consultation.id, 'Before')).e2eeKey;

    const decline = await fetch(`${stack.apiUrl}/v1/practitioner/decline`, {
      method: 'POST',
      headers: { authorization: `Bearer ${consultation.practitionerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ticketId }),
    });
    assert.equal(decline.status, 200, await decline.text());
    await waitForState(patient, 'ended', 20000);
    const fresh = await practitionerGrant(stack, consultation.id, 'After');
    assert.ok(fresh.e2eeKey !== oldKey, 'the decline rotated the key');

    // The token the page held still joins (the webhook that would remove it again is lost here)…
    const { livekitUrl } = fresh;
    const removed = await openBareRoom(stack);
    await joinBareRoom(removed, livekitUrl, held, oldKey);
    // …and receives the practitioner's encrypted camera, but with the old key decodes not one frame of it.
    await removed.waitForFunction(() => window.bare.subscribedVideoTracks() >= 1, undefined, { timeout: 20000 });
    await new Promise((r) => setTimeout(r, 5000));
    assert.equal(await removed.evaluate(() => window.bare.framesDecoded()), 0, 'the old key decodes no frame');
    // The same camera decodes with the new key (the check above can see frames).
    const control = await openBareRoom(stack);
    await joinBareRoom(control, livekitUrl, fresh.token, fresh.e2eeKey);
    await control.waitForFunction(() => window.bare.framesDecoded().then((n) => n > 0), undefined, { timeout: 20000, polling: 500 });
    // The sweeper removes the revoked identity from the room, and only that one.
    assert.equal(await removed.evaluate(() => window.bare.connected()), true);
    await stack.sweep();
    await removed.waitForFunction(() => window.bare.disconnectReason() !== undefined, undefined, { timeout: 10000 });
    assert.equal(await removed.evaluate(() => window.bare.disconnectReason()), PARTICIPANT_REMOVED);
    assert.equal(await control.evaluate(() => window.bare.connected()), true, 'an allowed participant stays');

    // Once expired (past the SFU's leeway), the grant the token server minted joins no more.
    await new Promise((r) => setTimeout(r, Math.max(0, mintedExpiry + (SFU_LEEWAY_S + 2) * 1000 - Date.now())));
    const attempt = async (token: string) => {
      const page = await openBareRoom(stack);
      try {
        await joinBareRoom(page, livekitUrl, token);
        await page.evaluate(() => window.bare.leave());
        return 'joined';
      } catch (error) {
        return `refused: ${(error as Error).message.split('\n')[0]}`;
      } finally {
        await page.close();
      }
    };
    assert.match(await attempt(minted), /^refused: .*(401|unauthorized|token|expired)/i);
    // The refusal is the expiry, not anything else about this identity: the SFU's own token still joins now.
    assert.ok(expiryOf(held) - Date.now() > 60_000, `the SFU's token lives longer (${expiryOf(held) - Date.now()} ms left)`);
    assert.equal(await attempt(held), 'joined');
  },
);
