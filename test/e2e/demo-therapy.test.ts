// The therapy platform (demo/therapy, German) through the real stack: a newcomer opens the demo index, goes to the
// therapist's area, creates the invitations of a scheduled group session, the client and the relative open their
// own links (own codes, shown under the aliases the therapist gave; the relative's code has the role relative), the therapist starts the session and admits
// both: three people in one call, each decoding the other two's video.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { admitFromQueue, passDeviceCheck, remoteVideoPlays, waitForState } from './demo-flows.js';
import { useStack } from './stack.js';

const stack = useStack({}, { demoApps: true });

test('therapy: therapist invites client and relative with their own codes → all three in one call', async () => {
  const therapist = await stack.newPage();
  await therapist.goto(`${stack.pagesUrl}/`);
  await therapist.getByRole('link', { name: 'Therapeutenbereich' }).click();
  const session = therapist.locator('.session').filter({ hasText: 'Familiengespräch Wagner' });
  await session.getByRole('button', { name: 'Einladungen erstellen' }).click();
  const links = session.locator('.invitations a');
  await links.nth(1).waitFor();
  const invitations = await links.evaluateAll((as) => as.map((a) => ({ text: a.textContent ?? '', href: a.getAttribute('href') ?? '' })));
  assert.deepEqual(
    invitations.map((i) => i.text),
    ['Einladung für Jonas Wagner (Klient)', 'Einladung für Sabine Wagner (Angehörige)'],
  );
  const codes = invitations.map((i) => new URLSearchParams(new URL(i.href, stack.pagesUrl).hash.slice(1)).get('code'));
  assert.notEqual(codes[0], codes[1], 'each invitee has a code of their own');

  const invitees = [];
  for (const invitation of invitations) {
    const page = await stack.newPage();
    await page.goto(new URL(invitation.href, stack.pagesUrl).toString());
    await passDeviceCheck(page);
    await waitForState(page, 'waiting');
    invitees.push(page);
  }

  await session.getByRole('button', { name: 'Sitzung beginnen' }).click();
  await passDeviceCheck(therapist);
  await waitForState(therapist, 'in-call');
  // The queue shows the aliases the platform gave the codes, and the relative's code role as a mark, in German.
  const relative = therapist.locator('vc-waiting-room [part="patient"]').filter({ hasText: 'Sabine Wagner (Mutter)' });
  await relative.locator('[part~="role"]').filter({ hasText: 'Angehörige' }).waitFor();
  const client = therapist.locator('vc-waiting-room [part="patient"]').filter({ hasText: 'Jonas Wagner (Klient)' });
  assert.equal(await client.locator('[part~="role"]').count(), 0, 'the client has no role mark');
  await admitFromQueue(therapist, 'Jonas Wagner (Klient)');
  await admitFromQueue(therapist, 'Sabine Wagner (Mutter)');
  for (const page of invitees) await waitForState(page, 'in-call');

  for (const page of [therapist, ...invitees]) await remoteVideoPlays(page, 2);
  assert.equal(await therapist.locator('vc-consultation').getAttribute('lang'), 'de');
});
