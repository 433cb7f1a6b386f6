import { expect } from '@open-wc/testing';
import { INITIAL_SNAPSHOT } from '../../../src/session/initial-snapshot.js';
import { PracticeWatch } from '../../../src/session/practice-watch.js';
import type { SessionCore } from '../../../src/session/session-core.js';
import { SnapshotStore } from '../../../src/session/store.js';
import type { SessionSnapshot } from '../../../src/session/types.js';
import { FakeServer, until } from '../helpers/fake-server.js';

/** A practice token as the server shapes it (`vcp.<base64url claims>.<signature>`); only the claims are read here. */
const practiceToken = `vcp.${btoa(JSON.stringify({ pr: 'pr_1', c: 'desk-1' })).replace(/=+$/, '')}.sig`;

function watcher(server: FakeServer) {
  const failures: { code: string; message: string }[] = [];
  const core: SessionCore = {
    store: new SnapshotStore<SessionSnapshot>(INITIAL_SNAPSHOT),
    config: {
      serverUrl: 'https://api.test/',
      role: 'practitioner',
      practitionerToken: practiceToken,
      fetch: server.fetch,
      lobbyBackoff: [1],
    },
    fetch: server.fetch,
    transition: () => undefined,
    finish: () => undefined,
    fail: (code, message) => void failures.push({ code, message }),
    decline: () => undefined,
  };
  return { core, failures, watch: new PracticeWatch(core) };
}

describe('the practice queue of a practice token', () => {
  it("shows the practice's queue and outlives nothing but its token: a revoked token fails the session", async () => {
    const server = new FakeServer();
    const { core, failures, watch } = watcher(server);
    watch.watch();
    await until(() => server.openStreams === 1);
    expect(server.requests[0]!.url).to.equal('/v1/practice/events');
    expect(server.requests[0]!.authorization).to.equal(`Bearer ${practiceToken}`);
    server.event('queue', { practiceId: 'pr_1', consultations: [], patients: [] });
    await until(() => core.store.snapshot.practiceQueue !== undefined);
    expect(core.store.snapshot.practiceQueue!.ownConsultationId).to.equal('desk-1');
    server.event('revoked', {});
    await until(() => failures.length === 1);
    expect(failures[0]!.code).to.equal('token_revoked');
    watch.close();
  });

  it('an expired token: the error says so and the stream is not reopened with it', async () => {
    const server = new FakeServer();
    const { core, failures, watch } = watcher(server);
    watch.watch();
    await until(() => server.openStreams === 1);
    server.event('expired', {});
    await until(() => core.store.snapshot.error !== undefined);
    expect(core.store.snapshot.error!.code).to.equal('token_expired');
    await new Promise((r) => setTimeout(r, 50)); // the backoff is 1 ms: a reconnect would have happened
    expect(server.requests.length).to.equal(1);
    expect(failures).to.deep.equal([]);
    watch.close();
  });
});
