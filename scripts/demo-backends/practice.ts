// The practice software's back end: today's appointments (made-up patients), "send code by e-mail" (the token
// server mails the code; in the demo stack to the local catcher, see mail-catcher.ts), "start" (the doctor's
// practitioner token) and a day summary from the stats API. One consultation per appointment, made when first needed.
//
// The practice-wide waiting room: every consultation belongs to the practice "Riverside Family Practice" (made
// through the admin API at first need, or found by name after a restart). Reception and the doctor each have a
// desk, a consultation of their own in the practice ("Reception", "Dr. Sam Okafor"), and a practice token for it:
// both watch every patient who arrived for any appointment, and reception sends them on to the doctor's desk
// (or to its own, to talk first); whoever holds the desk admits them into its call. A practice token outlives the
// desk's consultation (it lasts its own TTL, refreshed by the SDK): once a desk's call is over and a new desk is
// opened with a new token, the back end revokes the one it replaces, so one token per desk sees the practice's queue.
import { Router } from 'express';
import type { VideoconsultAdminClient, VideoconsultClient } from '../../client/index.js';
import { DemoError, handle, openConsultation } from './index.js';

export const DOCTOR = 'Dr. Sam Okafor';
export const PRACTICE = 'Riverside Family Practice';

/** The desks that receive patients: the consultation's title is what reception picks and the patient is told. */
const DESKS = {
  reception: { title: 'Reception', name: 'Reception · Maria Keller' },
  doctor: { title: DOCTOR, name: DOCTOR },
} as const;
type Desk = keyof typeof DESKS;

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

/** The practice's id: found by name among the tenant's practices, or made; asked again after a failure. */
function practiceOf(admin: VideoconsultAdminClient, tenantId: string): () => Promise<string> {
  let current: Promise<string> | undefined;
  return () => {
    current ??= (async () => {
      const { items } = await admin.listPractices(tenantId);
      return items.find((p) => p.name === PRACTICE)?.id ?? (await admin.createPractice(tenantId, { name: PRACTICE })).id;
    })().catch((err: unknown) => {
      current = undefined;
      throw err;
    });
    return current;
  };
}

export function practiceRoutes(vc: VideoconsultClient, admin: VideoconsultAdminClient, tenantId: string): Router {
  const practice = practiceOf(admin, tenantId);
  const codesSent = new Set<string>();
  const consultations = new Map(
    APPOINTMENTS.map((a) => [
      a.id,
      openConsultation(vc, async () =>
        vc.createConsultation({
          title: `${a.patient}: ${a.reason}`,
          scheduledAt: today(a.at).toISOString(),
          maxParticipants: 2,
          locale: 'en',
          practiceId: await practice(),
        }),
      ),
    ]),
  );
  // A desk's consultation stays open all day while its call comes and goes; a new one once it has ended.
  const desks = Object.fromEntries(
    Object.entries(DESKS).map(([desk, { title }]) => [
      desk,
      openConsultation(vc, async () => vc.createConsultation({ title, maxParticipants: 3, locale: 'en', practiceId: await practice() })),
    ]),
  ) as Record<Desk, () => Promise<string>>;

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
  /** Every practice token issued for each desk's current consultation (a second click issues another). */
  const issued = new Map<Desk, { consultationId: string; tokenIds: string[] }>();
  router.post(
    '/desks/:desk/open',
    handle(async (req, res) => {
      const desk = req.params.desk as Desk;
      if (!Object.hasOwn(DESKS, desk)) throw new DemoError(404, 'unknown_desk', 'There is no such desk in this practice.');
      const [practiceId, consultationId] = [await practice(), await desks[desk]()];
      const token = await vc.createPracticeToken(practiceId, { consultationId, name: DESKS[desk].name, ttlMinutes: 60 });
      // Opened again for the same consultation (a second click): both tokens stay, the page may still use the first.
      // A new consultation replaces the desk: every token of the old one goes.
      const replaced = issued.get(desk);
      if (replaced?.consultationId === consultationId) replaced.tokenIds.push(token.tokenId);
      else issued.set(desk, { consultationId, tokenIds: [token.tokenId] });
      if (replaced && replaced.consultationId !== consultationId) {
        for (const tokenId of replaced.tokenIds) await vc.revokePracticeToken(practiceId, tokenId);
      }
      res.json({ practitionerToken: token.token, title: DESKS[desk].title });
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
