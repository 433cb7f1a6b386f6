// The pharmacy portal's back end. One walk-in counter: a standing consultation that every "talk to a pharmacist
// now" joins with a fresh code of its own, so the pharmacist sees everyone waiting in one queue and admits them one
// by one.
import { Router } from 'express';
import type { VideoconsultClient } from '../../client/index.js';
import { DemoError, field, handle, openConsultation } from './index.js';

/** The portal's made-up customer accounts ("signed in" on the customer page). */
export const PHARMACY_CUSTOMERS = [
  { id: 'c-10482', name: 'Maria Keller', firstName: 'Maria' },
  { id: 'c-20917', name: 'Tom Becker', firstName: 'Tom' },
] as const;

const PHARMACIST = 'Pharmacist Jana Weber';

export function pharmacyRoutes(vc: VideoconsultClient): Router {
  const counterId = openConsultation(vc, () => vc.createConsultation({ title: 'Walk-in counter', maxParticipants: 4, locale: 'en' }));

  const router = Router();
  router.post(
    '/walk-in',
    handle(async (req, res) => {
      const customerId = field(req, 'customerId', /^c-[0-9]{5}$/, 'customerId must be a customer number like c-10482.');
      const customer = PHARMACY_CUSTOMERS.find((c) => c.id === customerId);
      if (!customer) throw new DemoError(404, 'unknown_customer', 'There is no customer with this number.');
      const code = await vc.createAccessCode(await counterId(), { alias: customer.name, expiresInMinutes: 30 });
      res.json({ code: code.code, displayName: customer.firstName });
    }),
  );
  router.post(
    '/pharmacist',
    handle(async (_req, res) => {
      const token = await vc.createPractitionerToken(await counterId(), { name: PHARMACIST, ttlMinutes: 60 });
      res.json({ practitionerToken: token.token, name: PHARMACIST });
    }),
  );
  return router;
}
