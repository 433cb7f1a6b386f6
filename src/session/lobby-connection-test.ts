/**
 * The patient's connection test, run once the ticket exists (the test grant is minted for a ticket: a page
 * without one cannot make the server create rooms). It runs while the patient waits, so its seconds cost
 * nothing; the steps show up in the snapshot as they finish, and the outcome goes to the server with the
 * device check, where the practitioner sees it in the queue. Stops when the patient leaves the waiting state.
 */
import { withConnection } from './devices.js';
import { joinUrl, postJson } from './http.js';
import type { SessionCore } from './session-core.js';
import type { ConnectionSteps } from './types.js';

interface TestGrant {
  livekitUrl: string;
  token: string;
}

export class LobbyConnectionTest {
  private controller?: AbortController;

  constructor(private readonly core: SessionCore) {}

  start(serverUrl: string, ticket: string): void {
    if (this.core.config.connectionTest === false) return;
    this.stop();
    const controller = new AbortController();
    this.controller = controller;
    const unsubscribe = this.core.store.subscribe(
      (s) => s.state,
      (state) => {
        if (state !== 'waiting') controller.abort();
      },
    );
    void this.run(serverUrl, ticket, controller.signal).finally(unsubscribe);
  }

  stop(): void {
    this.controller?.abort();
    this.controller = undefined;
  }

  private async run(serverUrl: string, ticket: string, signal: AbortSignal): Promise<void> {
    const { core } = this;
    core.store.update({ connectionTest: { state: 'running' } });
    let host: string | undefined;
    try {
      const grant = await postJson<TestGrant>(core.fetch, joinUrl(serverUrl, '/v1/lobby/connection-test'), {
        token: ticket,
        body: {},
        signal,
      });
      host = new URL(grant.livekitUrl).hostname;
      const { runConnectionTest } = await import('./connection-test.js');
      const show = (steps: ConnectionSteps, state: 'running' | 'done') => {
        if (!signal.aborted) core.store.update({ connectionTest: { state, steps, ...(host ? { host } : {}) } });
      };
      const steps = await runConnectionTest(grant.livekitUrl, grant.token, (partial) => show(partial, 'running'), signal);
      if (signal.aborted) return;
      const deviceCheck = withConnection(core.store.snapshot.deviceCheck, steps);
      core.store.update({ deviceCheck });
      show(steps, 'done');
      await postJson(core.fetch, joinUrl(serverUrl, '/v1/lobby/device-check'), { token: ticket, body: deviceCheck, signal });
    } catch {
      // The test is advice, never a reason to leave the queue: an unreachable server or a refused grant
      // (too many tests) leaves the call itself untouched.
      if (!signal.aborted && core.store.snapshot.connectionTest?.state !== 'done') {
        core.store.update({ connectionTest: { state: 'unavailable', ...(host ? { host } : {}) } });
      }
    }
  }
}
