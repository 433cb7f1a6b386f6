// The therapy platform's back end (German). A scheduled group session: the therapist invites the client and a
// relative or an interpreter, each with a code of their own (with the code role relative/interpreter) and an alias
// the therapist sees in the queue; the
// invitation links lead to the platform's own join page. One consultation per session, made at the first
// invitation.
import { Router } from 'express';
import type { VideoconsultClient } from '../../client/index.js';
import { DemoError, handle, openConsultation } from './index.js';

export const THERAPIST = 'Dr. Lena Hofmann';

interface Invitee {
  name: string;
  /** Shown to the therapist in the queue instead of what the invitee types. */
  alias: string;
  /** What the person is in this session; the invitation says it. */
  role: 'Klient' | 'Klientin' | 'Angehörige' | 'Angehöriger' | 'Dolmetscherin';
  /** The code's role: the token server puts it in the grant, and the queue, tiles and chat mark the person by it. */
  codeRole: 'patient' | 'relative' | 'interpreter';
}

interface GroupSession {
  id: string;
  title: string;
  /** Minutes after midnight, today. */
  startsAt: number;
  invitees: Invitee[];
}

/** The made-up schedule of the day. */
const SESSIONS: GroupSession[] = [
  {
    id: 's-familie-wagner',
    title: 'Familiengespräch Wagner',
    startsAt: 10 * 60,
    invitees: [
      { name: 'Jonas Wagner', alias: 'Jonas Wagner (Klient)', role: 'Klient', codeRole: 'patient' },
      { name: 'Sabine Wagner', alias: 'Sabine Wagner (Mutter)', role: 'Angehörige', codeRole: 'relative' },
    ],
  },
  {
    id: 's-yilmaz',
    title: 'Einzelsitzung Yılmaz mit Dolmetscherin',
    startsAt: 14 * 60 + 30,
    invitees: [
      { name: 'Emre Yılmaz', alias: 'Emre Yılmaz (Klient)', role: 'Klient', codeRole: 'patient' },
      { name: 'Aylin Demir', alias: 'Aylin Demir (Dolmetscherin)', role: 'Dolmetscherin', codeRole: 'interpreter' },
    ],
  },
];

function scheduledAt(session: GroupSession): string {
  const day = new Date();
  day.setHours(0, session.startsAt, 0, 0);
  return day.toISOString();
}

export function therapyRoutes(vc: VideoconsultClient): Router {
  const consultations = new Map(
    SESSIONS.map((session) => [
      session.id,
      openConsultation(vc, () =>
        vc.createConsultation({
          title: session.title,
          scheduledAt: scheduledAt(session),
          locale: 'de',
          maxParticipants: session.invitees.length + 1,
        }),
      ),
    ]),
  );
  const consultationOf = (session: GroupSession) => consultations.get(session.id)!();

  function find(id: unknown): GroupSession {
    const session = SESSIONS.find((s) => s.id === id);
    if (!session) throw new DemoError(404, 'unknown_session', 'Diese Sitzung gibt es nicht.');
    return session;
  }

  const router = Router();
  router.get('/sessions', (_req, res) => {
    res.json({
      therapist: THERAPIST,
      sessions: SESSIONS.map((s) => ({
        id: s.id,
        title: s.title,
        scheduledAt: scheduledAt(s),
        invitees: s.invitees.map(({ name, role }) => ({ name, role })),
      })),
    });
  });
  router.post(
    '/sessions/:id/invitations',
    handle(async (req, res) => {
      const session = find(req.params.id);
      const consultationId = await consultationOf(session);
      const invitations = [];
      for (const invitee of session.invitees) {
        const code = await vc.createAccessCode(consultationId, { alias: invitee.alias, role: invitee.codeRole, expiresInMinutes: 24 * 60 });
        // The platform's own join page; the code and name ride in the fragment, which no server ever sees.
        const fragment = new URLSearchParams({ code: code.code, name: invitee.name });
        invitations.push({ name: invitee.name, role: invitee.role, alias: invitee.alias, link: `/therapy/sitzung#${fragment}` });
      }
      res.json({ invitations });
    }),
  );
  router.post(
    '/sessions/:id/start',
    handle(async (req, res) => {
      const session = find(req.params.id);
      const token = await vc.createPractitionerToken(await consultationOf(session), { name: THERAPIST, ttlMinutes: 60 });
      res.json({ practitionerToken: token.token });
    }),
  );
  return router;
}
