import type { PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { CONSULTATION_LOCALE, patientLocale } from '../controllers/localize.js';
import { SessionController } from '../controllers/session-controller.js';
import type { VcSession } from '../session/types.js';
import { VcElement } from './vc-element.js';

/**
 * Base of the elements that show a session (`<vc-call>`, `<vc-chat>`, `<vc-waiting-room>`, `<vc-whiteboard>`):
 * the one place that finds it, in the order of DESIGN §3 — the `.session` property, then `session="id"` naming a
 * `<vc-consultation>` or `<vc-session>` in the document, then `@lit/context` from an enclosing consultation —
 * and reports an id that names nothing as `vc-error` (`session_not_found`).
 */
export class VcSessionElement extends VcElement {
  /** Explicit session object (highest priority for finding the session). */
  @property({ attribute: false }) session?: VcSession;
  /** Id of a `<vc-consultation>` whose session to use. */
  @property({ attribute: 'session' }) sessionId?: string;

  protected readonly sessions = new SessionController(this);

  get [CONSULTATION_LOCALE](): string | undefined {
    return patientLocale(this.sessions.snapshot);
  }

  onSessionMissing(id: string): void {
    this.emitError('session_not_found', `<${this.localName}> found no element with id "${id}" that has a session.`);
  }

  override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    // Before the subclass's willUpdate reads `this.sessions`, so it sees the session these properties name.
    if (changed.has('session') || changed.has('sessionId')) this.sessions.resolve();
  }
}
