// The practice software's back end: today's appointments (made-up patients), "send code by e-mail" (the token
// server mails the code; in the demo stack to the local catcher, see mail-catcher.ts), "start" (the doctor's
// practitioner token) and a day summary from the stats API. One consultation per appointment, made when first needed.
import { Router } from 'express';
import type { VideoconsultClient } from '../../client/index.js';
import { DemoError, handle, openConsultation } from './index.js';

export const DOCTOR = 'Dr. Sam Okafor';

interface Appointment {
  id: string;
  /** Minutes after midnight, today. */
  at: number;
  patient: string;
  born: string;
  reason: string;
  /** Where the patient wants codes sent (made-up; only passed on to the token server, which drops it after sending). */
  email: string;
}

const APPOINTMENTS: Appointment[] = [
  {
    id: 'a-0900',
    at: 9 * 60,
    patient: 'Anna Schmidt',
    born: '1984-03-12',
    reason: 'Blood test results',
    email: 'anna.schmidt@example.org',
  },
  {
    id: 'a-0920',
    at: 9 * 60 + 20,
    patient: 'Peter Novak',
    born: '1951-11-02',
    reason: 'Blood pressure follow-up',
    email: 'p.novak@example.net',
  },
  { id: 'a-1000', at: 10 * 60, patient: 'Lea Brunner', born: '1999-07-28', reason: 'Rash, photos sent', email: 'lea.brunner@example.com' },
  {
    id: 'a-1130',
    at: 11 * 60 + 30,
    patient: 'Omar Haddad',
    born: '1976-01-19',
    reason: 'Sick note extension',
    email: 'omar.haddad@example.org',
  },
];

function today(minutes = 0): Date {
  const day = new Date();
  day.setHours(0, minutes, 0, 0);
  return day;
}

export function practiceRoutes(vc: VideoconsultClient): Router {
  const codesSent = new Set<string>();
  const consultations = new Map(
    APPOINTMENTS.map((a) => [
      a.id,
      openConsultation(vc, () =>
        vc.createConsultation({
          title: `${a.patient}: ${a.reason}`,
          scheduledAt: today(a.at).toISOString(),
          maxParticipants: 2,
          locale: 'en',
        }),
      ),
    ]),
  );

  function find(id: unknown): Appointment {
    const appointment = APPOINTMENTS.find((a) => a.id === id);
    if (!appointment) throw new DemoError(404, 'unknown_appointment', 'There is no such appointment today.');
    return appointment;
  }

  const router = Router();
  router.get('/appointments', (_req, res) => {
    res.json({
      doctor: DOCTOR,
      appointments: APPOINTMENTS.map(({ email: _email, ...a }) => ({ ...a, at: today(a.at).toISOString(), codeSent: codesSent.has(a.id) })),
    });
  });
  router.post(
    '/appointments/:id/send-code',
    handle(async (req, res) => {
      const appointment = find(req.params.id);
      const consultationId = await consultations.get(appointment.id)!();
      const code = await vc.createAccessCode(consultationId, { alias: appointment.patient, deliver: { email: appointment.email } });
      codesSent.add(appointment.id);
      res.json({ delivered: code.delivered, expiresAt: code.expiresAt });
    }),
  );
  router.post(
    '/appointments/:id/start',
    handle(async (req, res) => {
      const appointment = find(req.params.id);
      const token = await vc.createPractitionerToken(await consultations.get(appointment.id)!(), { name: DOCTOR, ttlMinutes: 60 });
      res.json({ practitionerToken: token.token });
    }),
  );
  router.get(
    '/summary',
    handle(async (_req, res) => {
      const stats = await vc.stats({ from: today().toISOString() });
      res.json({
        appointments: APPOINTMENTS.length,
        codesSent: codesSent.size,
        sessions: stats.totals.sessions,
        minutes: Math.round(stats.totals.durationSeconds / 60),
        participants: stats.totals.participants,
      });
    }),
  );
  return router;
}
