/** A snapshot store: one frozen object, replaced on every update; subscribers see only what they select. */
import type { Unsubscribe } from './types.js';

interface Subscription<S> {
  selector: (snapshot: S) => unknown;
  callback: (value: unknown, previous: unknown) => void;
  last: unknown;
}

export class SnapshotStore<S extends object> {
  private current: S;
  private readonly subscriptions = new Set<Subscription<S>>();

  constructor(initial: S) {
    this.current = Object.freeze({ ...initial });
  }

  get snapshot(): S {
    return this.current;
  }

  /** Calls `callback` whenever the selected value changes (by `Object.is`), never for the current one. */
  subscribe<T>(selector: (snapshot: S) => T, callback: (value: T, previous: T) => void): Unsubscribe {
    const subscription: Subscription<S> = {
      selector,
      callback: callback as (value: unknown, previous: unknown) => void,
      last: selector(this.current),
    };
    this.subscriptions.add(subscription);
    return () => this.subscriptions.delete(subscription);
  }

  update(patch: Partial<S>): void {
    this.current = Object.freeze({ ...this.current, ...patch });
    for (const subscription of [...this.subscriptions]) {
      // A callback earlier in this round may have unsubscribed a later one.
      if (!this.subscriptions.has(subscription)) continue;
      const value = subscription.selector(this.current);
      if (Object.is(value, subscription.last)) continue;
      const previous = subscription.last;
      subscription.last = value;
      try {
        subscription.callback(value, previous);
      } catch (error) {
        // One broken subscriber must not keep the others (or the session) from seeing the change.
        console.error('[videoconsult] a session subscriber threw:', error);
      }
    }
  }
}
