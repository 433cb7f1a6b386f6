// Steps shared by the end-to-end tests: a consultation set up through the integrator API, a practitioner
// page and patient pages driving the SDK's session core, admission through the practitioner API.
import type { Page } from 'playwright-core';
import type { SfuEndpoint, Stack } from './stack.js';

/** Any stack: one SFU node or a cluster. */
type AnyStack = Stack<SfuEndpoint>;

export interface Consultation {
  id: string;
  practitionerToken: string;
  codes: string[];
}

export async function createConsultation(
  stack: AnyStack,
  /** `roles[i]`: the role the integrator gives code i (default patient). */
  options: { patients?: number; roles?: string[]; e2ee?: boolean; maxParticipants?: number; patientScreenShare?: boolean } = {},
): Promise<Consultation> {
  const { patients = 1, roles = [], ...settings } = options;
  const { id } = await stack.integrator<{ id: string }>('POST', '/v1/consultations', { title: 'E2E', ...settings });
  const codes: string[] = [];
  for (let i = 0; i < patients; i++) {
    codes.push(
      (
        await stack.integrator<{ code: string }>('POST', `/v1/consultations/${id}/access-codes`, {
          alias: `Patient ${i + 1}`,
          ...(roles[i] ? { role: roles[i] } : {}),
        })
      ).code,
    );
  }
  const { token } = await stack.integrator<{ token: string }>('POST', `/v1/consultations/${id}/practitioner-tokens`, { name: 'Dr. Test' });
  return { id, practitionerToken: token, codes };
}

export async function openSessionPage(
  stack: AnyStack,
  config: Record<string, unknown>,
  options: { ownBrowser?: boolean; extraArgs?: string[] } = {},
): Promise<Page> {
  const page = await stack.newPage(options);
  await page.goto(`${stack.pagesUrl}/e2e/session.html`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  // The lobby's connection test (its own throwaway room and peer connections) is off unless a test asks for it:
  // these flows test other things, and on two cores the extra connections only slow them down.
  await page.evaluate((c) => window.vc.create(c), { serverUrl: stack.apiUrl, connectionTest: false, ...config });
  return page;
}

export async function waitForState(page: Page, state: string, timeout = 20000): Promise<void> {
  await page
    .waitForFunction((s) => window.vc.state() === s, state, { timeout })
    .catch(async (err: Error) => {
      const snapshot = await page.evaluate(() => window.vc.snapshot()).catch(() => 'page gone');
      throw new Error(`${err.message} (waiting for "${state}"); snapshot: ${JSON.stringify(snapshot)}`);
    });
}

export async function startPractitioner(stack: AnyStack, consultation: Consultation): Promise<Page> {
  const page = await openSessionPage(stack, { role: 'practitioner', practitionerToken: consultation.practitionerToken });
  await page.evaluate(() => void window.vc.session!.startPractitioner());
  await waitForState(page, 'in-call');
  return page;
}

/** Starts the patient's join through the page's session (a passed device check), without waiting. */
export async function joinAsPatient(page: Page, code: string, name: string): Promise<void> {
  await page.evaluate(
    ([accessCode, displayName]) =>
      void window.vc.session!.join({
        code: accessCode!,
        name: displayName!,
        deviceCheck: { verdict: 'ok', camera: 'ok', microphone: 'ok', network: 'ok' },
      }),
    [code, name],
  );
}

export async function patientWaits(
  stack: AnyStack,
  code: string,
  name: string,
  options: { ownBrowser?: boolean; extraArgs?: string[] } = {},
): Promise<Page> {
  const page = await openSessionPage(stack, { role: 'patient' }, options);
  await joinAsPatient(page, code, name);
  await waitForState(page, 'waiting');
  return page;
}

/** The practitioner page admits the (only or named) waiting patient through its own session. */
export async function admitFromPractitioner(practitioner: Page, name: string): Promise<void> {
  await practitioner.waitForFunction((n) => window.vc.session!.snapshot.waitingPatients.some((p) => p.name === n), name, {
    timeout: 15000,
  });
  await practitioner.evaluate((n) => {
    const patient = window.vc.session!.snapshot.waitingPatients.find((p) => p.name === n)!;
    return window.vc.session!.admit(patient.ticketId);
  }, name);
}

/** Waits until `participants` remote cameras are there and every one (or every named one) renders frames. */
export async function waitForRemoteVideo(page: Page, participants: number, names?: string[], timeout = 20000): Promise<void> {
  await page.waitForFunction(
    (n) => window.vc.session!.snapshot.participants.filter((p) => !p.isLocal && p.camera).length >= n,
    participants,
    { timeout },
  );
  await page.waitForFunction((n) => window.vc.remoteVideoPlaying(n), names, { timeout, polling: 500 });
}

/** A practitioner page and one admitted patient page, decoding each other's video. */
export async function startCall(
  stack: AnyStack,
  consultation: Consultation,
  options: { patientOwnBrowser?: boolean } = {},
): Promise<{ practitioner: Page; patient: Page }> {
  const practitioner = await startPractitioner(stack, consultation);
  const patient = await patientWaits(stack, consultation.codes[0]!, 'Pat', { ownBrowser: options.patientOwnBrowser ?? false });
  await admitFromPractitioner(practitioner, 'Pat');
  await waitForState(patient, 'in-call');
  await waitForRemoteVideo(practitioner, 1);
  await waitForRemoteVideo(patient, 1);
  return { practitioner, patient };
}

/** A bare livekit-client page (pages/bare-room.ts), not the SDK: joins with any token and key it is given. */
export async function openBareRoom(stack: AnyStack): Promise<Page> {
  const page = await stack.newPage();
  await page.goto(`${stack.pagesUrl}/e2e/bare-room.html`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  return page;
}

/** Joins a bare page's room; rejects with the SFU's refusal. */
export async function joinBareRoom(page: Page, livekitUrl: string, token: string, e2eeKey?: string): Promise<void> {
  await page.evaluate(([url, t, k]) => window.bare.join(url!, t!, k), [livekitUrl, token, e2eeKey] as const);
}

/** A fresh practitioner grant for the consultation (a participant of its own, with the consultation's current key). */
export async function practitionerGrant(
  stack: AnyStack,
  consultationId: string,
  name: string,
): Promise<{ livekitUrl: string; token: string; e2eeKey: string } & Record<string, unknown>> {
  const { token } = await stack.integrator<{ token: string }>('POST', `/v1/consultations/${consultationId}/practitioner-tokens`, { name });
  const res = await fetch(`${stack.apiUrl}/v1/practitioner/grant`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`practitioner grant → ${res.status}: ${await res.text()}`);
  return (await res.json()) as { livekitUrl: string; token: string; e2eeKey: string };
}
