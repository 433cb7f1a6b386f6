// The whiteboard's catch-up protocol under loss, reconnects and hostile peers (the happy paths are in
// whiteboard.test.ts).
import { expect } from '@open-wc/testing';
import * as Y from 'yjs';
import { type DataTransport } from '../../src/session/data-transport.js';
import { LoopbackHub, type LoopbackTransport } from './helpers/loopback-transport.js';
import { WHITEBOARD_TOPIC, WhiteboardSync, type NewBoardElement } from '../../src/session/whiteboard-sync.js';
import {
  decodeFrame,
  encodeDeleteSetUpdate,
  encodeFrame as frame,
  MessageKind,
  type Frame,
} from '../../src/session/whiteboard-protocol.js';
import { silenceWarnings } from './helpers/console.js';

const { Update: UPDATE, SyncRequest: SYNC_REQUEST, Hello: HELLO, HelloAnswer: HELLO_ANSWER } = MessageKind;

function stroke(x: number, y: number): NewBoardElement {
  return { kind: 'pen', color: '#ff0000', size: 4, points: [x, y, x + 10, y + 5, x + 20, y + 15] };
}

const frameId = (bytes: Uint8Array) => (decodeFrame(bytes) as Frame).id;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function expectConverged(...boards: WhiteboardSync[]): void {
  const [first, ...rest] = boards;
  for (const board of rest) {
    expect(board.elements().map((e) => e.id)).to.deep.equal(first!.elements().map((e) => e.id));
    expect(Y.encodeStateVector(board.doc)).to.deep.equal(Y.encodeStateVector(first!.doc));
  }
}

/** A transport whose outgoing whiteboard frames pass through `filter` (false: lost; 'fail': sendBytes rejects). */
function filtered(transport: LoopbackTransport, filter: (bytes: Uint8Array) => boolean | 'fail'): DataTransport {
  const wrapped: DataTransport = Object.create(transport);
  wrapped.sendBytes = async (topic, bytes, options) => {
    const verdict = topic === WHITEBOARD_TOPIC ? filter(bytes) : true;
    if (verdict === 'fail') throw new Error('link down');
    if (verdict) await transport.sendBytes(topic, bytes, options);
  };
  return wrapped;
}

/**
 * A hostile peer: it answers every Hello with `claim`'s state vector (so it looks like the best source) and
 * calls `onRequest` with each SyncRequest addressed to it, never answering one.
 */
function claimingPeer(hub: LoopbackHub, identity: string, claim: Y.Doc, onRequest: (request: Uint8Array, from: string) => void = () => {}) {
  const transport = hub.join(identity);
  transport.onBytes(WHITEBOARD_TOPIC, (bytes, from) => {
    if (bytes[1] === SYNC_REQUEST) onRequest(bytes, from.identity);
    if (bytes[1] !== HELLO) return;
    void transport.sendBytes(WHITEBOARD_TOPIC, frame(HELLO_ANSWER, 1, 0, 1, Y.encodeStateVector(claim)), { to: [from.identity] });
  });
  return transport;
}

/**
 * p1 holds five strokes; mallory claims a board with one more, and when the late joiner p9 pulls from it,
 * `attack` starts (or restarts) an interval of hostile sends. p9 — created once joined, so mallory answers first —
 * must still converge with p1 within `waitMs`. Returns the warnings logged meanwhile.
 */
async function lateJoinerOutlasts(
  attack: (
    mallory: LoopbackTransport,
    request: Uint8Array,
    from: string,
    running: ReturnType<typeof setInterval> | undefined,
    claim: Y.Doc,
  ) => ReturnType<typeof setInterval>,
  options: { syncTimeoutMs: number; syncMaxMs?: number },
  waitMs: number,
): Promise<string[]> {
  const hub = new LoopbackHub();
  const a = new WhiteboardSync(hub.join('p1'), { role: 'practitioner' });
  for (let i = 0; i < 5; i++) a.addElement(stroke(i * 10, i));
  await hub.flush();
  const claim = new Y.Doc();
  Y.applyUpdate(claim, Y.encodeStateAsUpdate(a.doc));
  claim.getArray('elements').push([{ id: 'never-sent' }]);
  let running: ReturnType<typeof setInterval> | undefined;
  const mallory: LoopbackTransport = claimingPeer(hub, 'p0-mallory', claim, (request, from) => {
    if (from !== 'p9') return; // (p1 pulls from mallory too)
    running = attack(mallory, request, from, running, claim);
  });
  await hub.flush();
  const quiet = silenceWarnings();
  try {
    const joined = hub.join('p9');
    await hub.flush();
    const late = new WhiteboardSync(joined, { role: 'patient', ...options });
    await hub.flush();
    expect(running, 'mallory was asked first').to.not.equal(undefined);
    await sleep(waitMs);
    await hub.flush();
    expect(late.elements()).to.have.length(5);
    expectConverged(a, late);
    late.destroy();
    return quiet.warnings;
  } finally {
    clearInterval(running);
    quiet.restore();
  }
}

describe('WhiteboardSync catch-up', () => {
  it('an erasure made while this peer’s sends failed reaches the others after a reconnect', async () => {
    const hub = new LoopbackHub();
    const [ta, tb] = [hub.join('p1'), hub.join('p2')];
    let down = false;
    const a = new WhiteboardSync(
      filtered(ta, () => (down ? 'fail' : true)),
      { role: 'practitioner' },
    );
    const b = new WhiteboardSync(tb, { role: 'patient' });
    a.addElement(stroke(0, 0));
    b.addElement(stroke(50, 50));
    await hub.flush();
    expect(b.elements()).to.have.length(2);

    const quiet = silenceWarnings();
    try {
      down = true;
      a.removeElements([a.elements()[0]!.id]);
      await hub.flush();
      expect(quiet.warnings.some((w) => w.includes('send failed'))).to.equal(true);
    } finally {
      quiet.restore();
    }
    expect(a.elements()).to.have.length(1);
    expect(b.elements(), 'the erasure did not get through').to.have.length(2);
    down = false;
    ta.reconnect();
    await hub.flush();
    expect(b.elements()).to.have.length(1);
    expectConverged(a, b);
  });

  it('an erasure made while disconnected reaches the others when the same document joins a new room', async () => {
    const first = new LoopbackHub();
    const [ta, tb] = [first.join('p1'), first.join('p2')];
    const a = new WhiteboardSync(ta, { role: 'practitioner' });
    const b = new WhiteboardSync(tb, { role: 'patient' });
    a.addElement(stroke(0, 0));
    b.addElement(stroke(50, 50));
    await first.flush();
    // The room is lost; a erases meanwhile (nothing can be sent).
    ta.leave();
    tb.leave();
    const quiet = silenceWarnings();
    try {
      a.removeElements([b.elements()[1]!.id]);
      await first.flush();
    } finally {
      quiet.restore();
    }
    a.destroy();
    b.destroy();

    // Both move to a new room with their documents (as collaboration.ts does); b's board is there first, so
    // its join-time Hello to a arrives before a's board exists.
    const second = new LoopbackHub();
    const b2 = new WhiteboardSync(second.join('p2'), { role: 'patient', doc: b.doc });
    const joined = second.join('p1');
    await second.flush();
    const a2 = new WhiteboardSync(joined, { role: 'practitioner', doc: a.doc });
    await second.flush();
    expect(a2.elements()).to.have.length(1);
    expect(b2.elements()).to.have.length(1);
    expectConverged(a2, b2);
  });

  it('never passes on updates it could not integrate: a Hello is answered with the delete set only', async () => {
    const hub = new LoopbackHub();
    const b = new WhiteboardSync(hub.join('p2'), { role: 'patient' });
    b.addElement(stroke(0, 0));
    b.addElement(stroke(10, 10));
    b.removeElements([b.elements()[0]!.id]);
    await hub.flush();
    // An update that depends on structs nobody has: yjs keeps it pending, forever.
    const source = new Y.Doc();
    source.getArray('elements').push([{ id: 'first' }]);
    const afterFirst = Y.encodeStateVector(source);
    source.getArray('elements').push([{ id: 'second' }]);
    const orphan = Y.encodeStateAsUpdate(source, afterFirst);
    const mallory = hub.join('mallory');
    const received: Uint8Array[] = [];
    mallory.onBytes(WHITEBOARD_TOPIC, (bytes) => received.push(bytes));
    await mallory.sendBytes(WHITEBOARD_TOPIC, frame(UPDATE, 1, 0, 1, orphan));
    await hub.flush();
    expect(b.doc.store.pendingStructs, 'planted').to.not.equal(null);
    received.length = 0;
    await mallory.sendBytes(WHITEBOARD_TOPIC, frame(HELLO, 2, 0, 1, Y.encodeStateVector(b.doc)));
    await hub.flush();
    const updates = received.filter((bytes) => bytes[1] === UPDATE).map((bytes) => bytes.subarray(10));
    expect(updates, 'the deletions').to.have.length(1);
    const decoded = Y.decodeUpdate(updates[0]!);
    expect(decoded.structs, 'no structs, pending or not').to.have.length(0);
    expect([...decoded.ds.clients.values()].flat()).to.have.length(1);
  });

  it('encodes the delete set as yjs itself would, for a document with nothing pending', () => {
    const doc = new Y.Doc();
    const other = new Y.Doc();
    const elements = doc.getArray<number>('elements');
    elements.push([1, 2, 3, 4, 5]);
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
    other.getArray<number>('elements').push([6, 7]);
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(other));
    elements.delete(1, 2);
    elements.delete(4, 1);
    doc.getMap('meta').set('background', 'x');
    doc.getMap('meta').set('background', 'y');
    const ours = encodeDeleteSetUpdate(doc);
    expect(ours).to.deep.equal(Y.encodeStateAsUpdate(doc, Y.encodeStateVector(doc)));
    const fresh = new Y.Doc();
    Y.applyUpdate(fresh, Y.encodeStateAsUpdate(other));
    Y.applyUpdate(fresh, ours);
    expect(fresh.getArray('elements').toArray()).to.deep.equal([1, 4, 5, 6]);
    expect(encodeDeleteSetUpdate(new Y.Doc())).to.deep.equal(new Uint8Array([0, 0]));
  });

  it('answers one SyncRequest per peer at a time: a flood of empty-vector requests does not send the board each time', async () => {
    const hub = new LoopbackHub();
    const boards = [hub.join('p1'), hub.join('p2')].map((t) => new WhiteboardSync(t, { role: 'patient' }));
    for (let i = 0; i < 40; i++) boards[i % 2]!.addElement(stroke(i, i));
    await hub.flush();
    const mallory = hub.join('mallory');
    await hub.flush();
    const board = Y.encodeStateAsUpdate(boards[0]!.doc).byteLength;
    const before = hub.packets.length;
    for (let i = 0; i < 20; i++) await mallory.sendBytes(WHITEBOARD_TOPIC, frame(SYNC_REQUEST, 100 + i, 0, 1, new Uint8Array([0])));
    await hub.flush();
    await sleep(50);
    await hub.flush();
    for (const identity of ['p1', 'p2']) {
      const sent = hub.packets
        .slice(before)
        .filter((p) => p.from === identity && p.to.includes('mallory'))
        .reduce((n, p) => n + p.size, 0);
      expect(sent, `${identity} to mallory`).to.be.below(board * 2.5);
    }
  });

  it('a late joiner is not starved by a peer that claims the board and sends junk to keep the pull alive', async () => {
    await lateJoinerOutlasts(
      (mallory, _request, from, running) =>
        running ??
        setInterval(
          () => void mallory.sendBytes(WHITEBOARD_TOPIC, frame(UPDATE, 9, 0, 0, new Uint8Array()), { to: [from] }).catch(() => {}),
          30,
        ),
      { syncTimeoutMs: 100 },
      400,
    );
  });

  it('caps the time of one pull: a peer trickling chunks of an answer that never completes is given up', async () => {
    await lateJoinerOutlasts(
      (mallory, request, from, running) => {
        // Well-formed chunks of a huge answer, carrying the request's id: they look like progress.
        let index = 0;
        clearInterval(running);
        return setInterval(() => {
          const chunk = frame(UPDATE, frameId(request), index++, 2048, new Uint8Array(8));
          void mallory.sendBytes(WHITEBOARD_TOPIC, chunk, { to: [from] }).catch(() => {});
        }, 20);
      },
      { syncTimeoutMs: 100, syncMaxMs: 300 },
      600,
    );
  });

  it('a peer that keeps saying Hello (each restarts the pull) cannot hold the pull past syncMaxMs', async () => {
    const warnings = await lateJoinerOutlasts(
      (mallory, _request, from, running, claim) =>
        running ??
        setInterval(() => {
          const hello = frame(HELLO, 3, 0, 1, Y.encodeStateVector(claim));
          void mallory.sendBytes(WHITEBOARD_TOPIC, hello, { to: [from] }).catch(() => {});
        }, 30),
      { syncTimeoutMs: 100, syncMaxMs: 300 },
      600,
    );
    expect(warnings.some((w) => w.includes('p0-mallory') && w.includes('too slow'))).to.equal(true);
  });

  it('in a two-person call, a lost SyncRequest is retried (the only source is not forgotten)', async () => {
    const hub = new LoopbackHub();
    const a = new WhiteboardSync(hub.join('p1'), { role: 'practitioner' });
    for (let i = 0; i < 5; i++) a.addElement(stroke(i * 10, i));
    await hub.flush();
    let lost = 0;
    const joined = hub.join('p2');
    await hub.flush();
    const quiet = silenceWarnings();
    try {
      const late = new WhiteboardSync(
        filtered(joined, (bytes) => !(bytes[1] === SYNC_REQUEST && lost++ === 0)),
        { role: 'patient', syncTimeoutMs: 60 },
      );
      await hub.flush();
      expect(lost, 'the first request was lost').to.equal(1);
      expect(late.elements()).to.have.length(0);
      await sleep(250);
      await hub.flush();
      expect(late.elements()).to.have.length(5);
      expectConverged(a, late);
      expect(quiet.warnings.some((w) => w.includes('stalled'))).to.equal(true);
    } finally {
      quiet.restore();
    }
  });

  it('restarts the pull when the peer it pulls from says Hello (it may have lost the request)', async () => {
    const hub = new LoopbackHub();
    const ta = hub.join('p1');
    const a = new WhiteboardSync(ta, { role: 'practitioner' });
    for (let i = 0; i < 5; i++) a.addElement(stroke(i * 10, i));
    await hub.flush();
    let lost = 0;
    const joined = hub.join('p2');
    await hub.flush();
    const late = new WhiteboardSync(
      filtered(joined, (bytes) => !(bytes[1] === SYNC_REQUEST && lost++ === 0)),
      { role: 'patient', syncTimeoutMs: 60_000 },
    );
    await hub.flush();
    expect(lost).to.equal(1);
    expect(late.elements()).to.have.length(0);
    ta.reconnect(); // a says Hello
    await hub.flush();
    expect(late.elements()).to.have.length(5);
    expectConverged(a, late);
    late.destroy();
  });
});
