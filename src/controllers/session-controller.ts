import { ContextConsumer, createContext } from '@lit/context';
import type { ReactiveController, ReactiveElement } from 'lit';
import type { SessionSnapshot, Unsubscribe, VcSession } from '../session/types.js';

/** Provided by `<vc-consultation>`; one stable session object per consultation. */
export const sessionContext = createContext<VcSession | undefined>(Symbol.for('videoconsult.session'));

export interface SessionHost extends ReactiveElement {
  /** Explicit session object (highest priority). */
  session?: VcSession | undefined;
  /** Id of a `<vc-consultation>` in the document (the `session` attribute). */
  sessionId?: string | undefined;
  /** Called when no session can be found for a given id. */
  onSessionMissing?(id: string): void;
}

/**
 * Finds the session in the documented order — `.session`, `session="id"`, then context — and re-renders the
 * host whenever the snapshot changes.
 */
export class SessionController implements ReactiveController {
  private resolved?: VcSession;
  private unsubscribe?: Unsubscribe;
  private fromContext?: VcSession;
  private connected = false;
  private reportedMissing?: string;

  constructor(private readonly host: SessionHost) {
    host.addController(this);
    new ContextConsumer(host, {
      context: sessionContext,
      subscribe: true,
      callback: (session) => {
        this.fromContext = session;
        this.resolve();
      },
    });
  }

  get session(): VcSession | undefined {
    return this.resolved;
  }

  get snapshot(): SessionSnapshot | undefined {
    return this.resolved?.snapshot;
  }

  hostConnected(): void {
    this.connected = true;
    this.resolve();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.resolved = undefined;
  }

  /** Call when `session` or `sessionId` changed. */
  resolve(): void {
    if (!this.connected) return;
    const candidate = this.host.session ?? this.byId() ?? this.fromContext;
    // A host page may assign anything to `.session`: whatever cannot be subscribed to counts as no session.
    const next = typeof candidate?.subscribe === 'function' ? candidate : undefined;
    if (next === this.resolved) return;
    this.unsubscribe?.();
    this.resolved = next;
    this.unsubscribe = next?.subscribe(
      (snapshot) => snapshot,
      () => this.host.requestUpdate(),
    );
    this.host.requestUpdate();
  }

  private byId(): VcSession | undefined {
    const id = this.host.sessionId;
    if (!id) return undefined;
    const root = this.host.getRootNode() as Document | ShadowRoot;
    const target = (root.getElementById?.(id) ?? document.getElementById(id)) as (HTMLElement & { session?: VcSession }) | null;
    if (!target) {
      if (document.readyState === 'loading') {
        document.addEventListener('DOMContentLoaded', () => this.resolve(), { once: true });
      } else if (this.reportedMissing !== id) {
        this.reportedMissing = id;
        this.host.onSessionMissing?.(id);
      }
      return undefined;
    }
    if (!target.session && target.localName.includes('-') && !customElements.get(target.localName)) {
      void customElements.whenDefined(target.localName).then(() => this.resolve());
    }
    return target.session;
  }
}
