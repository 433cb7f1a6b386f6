/**
 * The cross-instance admit delay: a patient waits on instance A, the practitioner admits through B, and the
 * time runs from sending the admit until A's stream delivers `admitted` (store write, Redis hop, A's re-read,
 * the grant). The same admissions made through A itself are the baseline, interleaved with the others so that
 * a busy machine weighs on both alike. Used by the multi-instance test and by `npm run bench`.
 */
import assert from 'node:assert/strict';
import { PatientPage } from './patient-page.js';
import { admit, clientAddress, joinThrough, openConsultation, type Engines, type Instance } from './instances.js';

export interface AdmitDelays {
  /** Admitted through B, delivered by A (ms). */
  crossInstance: number[];
  /** Admitted and delivered by A (ms). */
  sameInstance: number[];
}

/** A room holds 16 including the practitioner: each consultation takes 15 patients. */
const PER_CONSULTATION = 15;

export async function measureAdmitDelays(engines: Engines, a: Instance, b: Instance, admissions: number): Promise<AdmitDelays> {
  const delays: AdmitDelays = { crossInstance: [], sameInstance: [] };
  let n = 0;
  while (n < 2 * admissions) {
    const consultation = await openConsultation(engines, b, { maxParticipants: PER_CONSULTATION + 1 });
    const pages: PatientPage[] = [];
    try {
      for (let i = 0; i < PER_CONSULTATION; i++) {
        const address = clientAddress();
        const ticket = await joinThrough(engines, a, consultation.id, address);
        pages.push(new PatientPage(ticket.ticket, ticket.ticketId, [a.base], address));
      }
      for (const [i, p] of pages.entries()) await p.until((x) => x.position === i + 1, 5000, `queue position ${i + 1}`);
      for (const p of pages) {
        if (n >= 2 * admissions) break;
        const cross = n % 2 === 0;
        const sent = performance.now();
        const res = await admit(cross ? b : a, consultation.practitioner, p.ticketId);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        await p.until((x) => x.of('admitted').length > 0, 5000, 'admitted');
        const [admitted] = p.of('admitted');
        assert.equal(admitted!.base, a.base, 'delivered by A, where the patient waits');
        assert.equal(typeof admitted!.data.token, 'string', 'with a LiveKit grant');
        (cross ? delays.crossInstance : delays.sameInstance).push(admitted!.at - sent);
        n++;
      }
      for (const p of pages) assert.ok(p.of('admitted').length <= 1, 'admitted once');
    } finally {
      await Promise.all(pages.map((p) => p.close()));
    }
  }
  return delays;
}
