import { expect, fixture, html } from '@open-wc/testing';
import * as Y from 'yjs';
import { MAX_RELIABLE_PACKET_BYTES } from '../../src/session/data-transport.js';
import { LoopbackHub, type LoopbackTransport } from './helpers/loopback-transport.js';
import { WHITEBOARD_TOPIC, WhiteboardSync, type BoardElement, type NewBoardElement } from '../../src/session/whiteboard-sync.js';
import { packPoints, unpackPoints } from '../../src/session/stroke-points.js';
import { encodeFrame, type MessageKind } from '../../src/session/whiteboard-protocol.js';
import { loadWhiteboard, loadWhiteboardSync, watchWhiteboard } from '../../src/components/whiteboard/lazy.js';
import type { VcWhiteboard } from '../../src/components/whiteboard/whiteboard.js';
import { silenceWarnings } from './helpers/console.js';
import { buildPdf } from '../support/pdf.js';

const DOC_ID = 'BBBBBBBBBBBBBBBBBBBBBB';
const PDF_WORKER = '/node_modules/pdfjs-dist/build/pdf.worker.min.mjs';

function stroke(x: number, y: number, color = '#ff0000'): NewBoardElement {
  return { kind: 'pen', color, size: 4, points: [x, y, x + 10, y + 5, x + 20, y + 15] };
}

function summary(sync: WhiteboardSync): Array<Pick<BoardElement, 'kind' | 'points' | 'color' | 'text'>> {
  return sync.elements().map(({ kind, points, color, text }) => ({ kind, points, color, ...(text ? { text } : {}) }));
}

function expectConverged(...boards: WhiteboardSync[]): void {
  const [first, ...rest] = boards;
  const reference = Y.encodeStateVector(first!.doc);
  for (const board of rest) {
    expect(summary(board)).to.deep.equal(summary(first!));
    expect(Y.encodeStateVector(board.doc)).to.deep.equal(reference);
  }
}

function room(n: number): { hub: LoopbackHub; transports: LoopbackTransport[]; boards: WhiteboardSync[] } {
  const hub = new LoopbackHub();
  const transports = Array.from({ length: n }, (_, i) => hub.join(`p${i + 1}`, `Person ${i + 1}`));
  const boards = transports.map((t, i) => new WhiteboardSync(t, { role: i === 0 ? 'practitioner' : 'patient' }));
  return { hub, transports, boards };
}

/** A small valid PDF with `pages` blank pages, offsets computed so pdf.js needs no repair. */
function minimalPdf(pages: number): Uint8Array {
  return new TextEncoder().encode(buildPdf({ pages, width: 200, height: 100 }));
}

async function pngBlob(width = 40, height = 30): Promise<Blob> {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')!.fillRect(0, 0, width, height);
  return new Promise((resolve) => canvas.toBlob((b) => resolve(b!), 'image/png'));
}

describe('WhiteboardSync', () => {
  it('converges two boards after concurrent edits', async () => {
    const { hub, boards } = room(2);
    const [a, b] = boards as [WhiteboardSync, WhiteboardSync];
    a.addElement(stroke(0, 0));
    b.addElement(stroke(100, 100, '#00ff00'));
    a.addElement({ kind: 'rect', color: '#0000ff', size: 2, points: [1, 2, 30, 40] });
    b.removeElements([]);
    await hub.flush();
    expect(a.elements()).to.have.length(3);
    expectConverged(a, b);
  });

  it('converges three boards, a reload (fresh document) and a late joiner', async () => {
    const { hub, transports, boards } = room(3);
    const [a, b, c] = boards as [WhiteboardSync, WhiteboardSync, WhiteboardSync];
    a.addElement(stroke(0, 0));
    b.addElement(stroke(50, 50));
    c.addElement({ kind: 'text', color: '#000000', size: 4, points: [5, 5], text: 'hello' });
    await hub.flush();
    expectConverged(a, b, c);

    // c reloads the page: a brand-new document on the same connection, while the others keep drawing.
    c.destroy();
    a.addElement(stroke(200, 0));
    const reloaded = new WhiteboardSync(transports[2]!, { role: 'patient' });
    b.addElement(stroke(300, 0));
    await hub.flush();
    expect(reloaded.elements()).to.have.length(5);
    expectConverged(a, b, reloaded);

    const late = new WhiteboardSync(hub.join('p4', 'Late'), { role: 'patient' });
    await hub.flush();
    expectConverged(a, b, reloaded, late);
  });

  it('catches up after missing updates while disconnected (state-vector resync on reconnect)', async () => {
    const { hub, transports, boards } = room(2);
    const [a, b] = boards as [WhiteboardSync, WhiteboardSync];
    a.addElement(stroke(0, 0));
    await hub.flush();
    // b stops listening (connection lost) but keeps its document and draws offline.
    const offlineDoc = b.doc;
    b.destroy();
    a.addElement(stroke(10, 10));
    a.removeElements([a.elements()[0]!.id]);
    const offline = new Y.Doc();
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(offlineDoc));
    offline.getArray('elements').push([{ id: 'offline1', kind: 'pen', author: 'p2', color: '#123456', size: 3, points: [1, 1, 2, 2] }]);
    expect(summary(a)).to.have.length(1);

    const back = new WhiteboardSync(transports[1]!, { role: 'patient', doc: offline });
    transports[1]!.reconnect();
    await hub.flush();
    expect(a.elements().map((e) => e.id)).to.include('offline1');
    expect(a.elements()).to.have.length(2);
    expectConverged(a, back);
  });

  it('chunks large updates under the packet limit and reassembles them', async () => {
    const { hub, boards } = room(3);
    const [a, b, c] = boards as [WhiteboardSync, WhiteboardSync, WhiteboardSync];
    await hub.flush();
    const points: number[] = [];
    for (let i = 0; i < 9000; i++) points.push(i * 0.37 + 0.1, Math.sin(i) * 500 + 0.3);
    const before = hub.packets.length;
    a.addElement({ kind: 'pen', color: '#000000', size: 3, points });
    await hub.flush();
    const sent = hub.packets.slice(before).filter((p) => p.topic === WHITEBOARD_TOPIC);
    expect(sent.length).to.be.greaterThan(4);
    for (const packet of sent) expect(packet.size).to.be.at.most(MAX_RELIABLE_PACKET_BYTES);
    expect(b.elements()[0]!.points).to.have.length(18000);
    expectConverged(a, b, c);

    // A late joiner's catch-up diff is chunked too.
    const late = new WhiteboardSync(hub.join('p9'), { role: 'patient' });
    await hub.flush();
    expectConverged(a, late);
    expect(hub.packets.every((p) => p.size <= MAX_RELIABLE_PACKET_BYTES || p.kind === 'text')).to.equal(true);
  });

  it('packs points that are exact tenths losslessly, and leaves any others as numbers', () => {
    const points = [0, 0, 0.1, -0.1, 123.4, -987.6, 1e7, -1e7, 5, 5.5, 0.3, 0.7];
    const packed = packPoints(points)!;
    expect(packed).to.be.instanceOf(Uint8Array);
    expect(unpackPoints(packed, 20_000, 1e7)).to.deep.equal(points);
    // A smooth pen stroke: about a byte per coordinate.
    const pen: number[] = [];
    for (let i = 0; i < 60; i++) pen.push(Math.round((100 + i * 2.7) * 10) / 10, Math.round((200 + Math.sin(i / 5) * 40) * 10) / 10);
    expect(unpackPoints(packPoints(pen)!, 20_000, 1e7)).to.deep.equal(pen);
    expect(packPoints(pen)!.byteLength).to.be.below(pen.length * 2);
    expect(packPoints([0.05, 1])).to.equal(undefined);
    expect(packPoints([0.1 + 0.2, 1])).to.equal(undefined);
    // Malformed or out-of-bounds packings are refused, not misread.
    expect(unpackPoints(new Uint8Array([]), 100, 1e7)).to.equal(undefined);
    expect(unpackPoints(new Uint8Array([9, 0, 0]), 100, 1e7)).to.equal(undefined);
    expect(unpackPoints(new Uint8Array([1, 0x80]), 100, 1e7), 'truncated varint').to.equal(undefined);
    expect(unpackPoints(new Uint8Array([1, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 100, 1e7), 'overlong varint').to.equal(undefined);
    expect(unpackPoints(packPoints([1e7, 0])!, 100, 1e6), 'beyond the limit').to.equal(undefined);
    expect(unpackPoints(packPoints([1, 2, 3, 4])!, 3, 1e7), 'too many').to.equal(undefined);
  });

  it('stores strokes packed in the document; peers read the same numbers, and old-style arrays still work', async () => {
    const { hub, boards } = room(2);
    const [a, b] = boards as [WhiteboardSync, WhiteboardSync];
    const before = hub.packets.length;
    const pen: number[] = [];
    for (let i = 0; i < 60; i++) pen.push(Math.round((10 + i * 3.1) * 10) / 10, Math.round((20 - i * 2.3) * 10) / 10);
    a.addElement({ kind: 'pen', color: '#000000', size: 3, points: pen });
    a.addElement({ kind: 'pen', color: '#000000', size: 3, points: [0.25, 0.5, 1, 1] });
    await hub.flush();
    const stored = a.doc.getArray<{ points: unknown }>('elements').toArray();
    expect(stored[0]!.points).to.be.instanceOf(Uint8Array);
    expect(stored[1]!.points, 'not tenths: kept as numbers').to.deep.equal([0.25, 0.5, 1, 1]);
    expect(b.elements().map((e) => e.points)).to.deep.equal([pen, [0.25, 0.5, 1, 1]]);
    const sent = hub.packets.slice(before).filter((p) => p.from === 'p1' && p.topic === WHITEBOARD_TOPIC);
    expect(sent.reduce((n, p) => n + p.size, 0) / 62, 'bytes per point').to.be.below(12);
    // A stroke written by an older client (a plain number array) is read as before.
    a.doc.getArray('elements').push([{ id: 'legacy', kind: 'pen', author: 'p9', color: '#123456', size: 2, points: [1, 2, 3, 4] }]);
    // A packed stroke with garbage bytes is skipped like any malformed element.
    a.doc
      .getArray('elements')
      .push([{ id: 'garbled', kind: 'pen', author: 'm', color: '#123456', size: 2, points: new Uint8Array([1, 0x80]) }]);
    await hub.flush();
    expect(
      b
        .elements()
        .map((e) => e.id)
        .slice(2),
    ).to.deep.equal(['legacy']);
    expectConverged(a, b);
  });

  it('a late joiner gets the board from one peer only, not once per peer', async () => {
    const { hub, boards } = room(3);
    const [a, b] = boards as [WhiteboardSync, WhiteboardSync, WhiteboardSync];
    for (let i = 0; i < 30; i++) (i % 2 ? a : b).addElement(stroke(i * 10, i));
    await hub.flush();
    const before = hub.packets.length;
    const late = new WhiteboardSync(hub.join('p9'), { role: 'patient' });
    await hub.flush();
    expect(late.elements()).to.have.length(30);
    expectConverged(a, late);
    const sentTo = (from: string) =>
      hub.packets
        .slice(before)
        .filter((p) => p.from === from && p.to.includes('p9'))
        .reduce((n, p) => n + p.size, 0);
    const board = Y.encodeStateAsUpdate(a.doc).byteLength;
    const bySender = ['p1', 'p2', 'p3'].map(sentTo).sort((x, y) => y - x);
    expect(bySender[0], 'the one that answers').to.be.at.least(board * 0.9);
    expect(bySender[1]! + bySender[2]!, 'the others: state vectors only').to.be.below(100);
  });

  /** A peer that claims the whole board (it answers a Hello with `claim`'s state vector) but never sends it. */
  function mutePeer(hub: LoopbackHub, identity: string, claim: Y.Doc): LoopbackTransport {
    const transport = hub.join(identity);
    transport.onBytes(WHITEBOARD_TOPIC, (bytes, from) => {
      if (bytes[1] !== 4) return; // answers Hellos only, at once (a real board answers a microtask later)
      const vector = Y.encodeStateVector(claim);
      const frame = new Uint8Array(10 + vector.length);
      frame.set([0x57, 5, 0, 0, 0, 1, 0, 0, 0, 1]);
      frame.set(vector, 10);
      void transport.sendBytes(WHITEBOARD_TOPIC, frame, { to: [from.identity] });
    });
    return transport;
  }

  it('a late joiner falls back to another peer when the one it asked does not answer', async () => {
    const { hub, boards } = room(2);
    const [a] = boards as [WhiteboardSync, WhiteboardSync];
    for (let i = 0; i < 5; i++) a.addElement(stroke(i * 10, i));
    await hub.flush();
    mutePeer(hub, 'p0-mute', a.doc);
    await hub.flush();
    const quiet = silenceWarnings();
    try {
      // Created once joined (the peers' join-time Hellos find no board), so the mute peer answers first.
      const joined = hub.join('p9');
      await hub.flush();
      const late = new WhiteboardSync(joined, { role: 'patient', syncTimeoutMs: 150 });
      await hub.flush();
      expect(late.elements(), 'still waiting on the mute peer').to.have.length(0);
      await new Promise((r) => setTimeout(r, 200));
      await hub.flush();
      expect(late.elements()).to.have.length(5);
      expectConverged(a, late);
      expect(quiet.warnings.some((w) => w.includes('p0-mute') && w.includes('stalled'))).to.equal(true);
    } finally {
      quiet.restore();
    }
  });

  it('a late joiner asks another peer at once when the one it asked leaves', async () => {
    const { hub, boards } = room(2);
    const [a] = boards as [WhiteboardSync, WhiteboardSync];
    for (let i = 0; i < 5; i++) a.addElement(stroke(i * 10, i));
    await hub.flush();
    const mute = mutePeer(hub, 'p0-mute', a.doc);
    await hub.flush();
    const joined = hub.join('p9');
    await hub.flush();
    const late = new WhiteboardSync(joined, { role: 'patient', syncTimeoutMs: 60_000 });
    await hub.flush();
    expect(late.elements()).to.have.length(0);
    mute.leave();
    await hub.flush();
    expect(late.elements()).to.have.length(5);
    expectConverged(a, late);
  });

  it('a peer back from a disconnect learns of erasures made meanwhile (deletions are not in state vectors)', async () => {
    const { hub, transports, boards } = room(3);
    const [a, b, c] = boards as [WhiteboardSync, WhiteboardSync, WhiteboardSync];
    a.addElement(stroke(0, 0));
    b.addElement(stroke(50, 50));
    await hub.flush();
    const offlineDoc = c.doc;
    c.destroy();
    b.removeElements([b.elements()[0]!.id]);
    await hub.flush();
    expect(a.elements()).to.have.length(1);
    const back = new WhiteboardSync(transports[2]!, { role: 'patient', doc: offlineDoc });
    await hub.flush();
    expect(back.elements()).to.have.length(1);
    expectConverged(a, b, back);
  });

  it('undoes and redoes only one’s own actions', async () => {
    const { hub, boards } = room(2);
    const [a, b] = boards as [WhiteboardSync, WhiteboardSync];
    const mine = a.addElement(stroke(0, 0))!;
    await hub.flush();
    const theirs = b.addElement(stroke(100, 0, '#00ff00'))!;
    await hub.flush();
    const second = a.addElement(stroke(200, 0))!;
    await hub.flush();

    a.undo();
    await hub.flush();
    expect(b.elements().map((e) => e.id)).to.deep.equal([mine, theirs]);
    a.undo();
    await hub.flush();
    expect(b.elements().map((e) => e.id)).to.deep.equal([theirs]);
    expect(a.canUndo).to.equal(false);
    a.undo(); // nothing of mine left: their stroke stays
    await hub.flush();
    expect(a.elements().map((e) => e.id)).to.deep.equal([theirs]);

    a.redo();
    a.redo();
    await hub.flush();
    expect(
      b
        .elements()
        .map((e) => e.id)
        .sort(),
    ).to.deep.equal([mine, theirs, second].sort());
    b.undo();
    await hub.flush();
    expect(
      a
        .elements()
        .map((e) => e.id)
        .sort(),
    ).to.deep.equal([mine, second].sort());
    expectConverged(a, b);
  });

  it('lets only the practitioner clear', async () => {
    const { hub, boards } = room(2);
    const [practitioner, patient] = boards as [WhiteboardSync, WhiteboardSync];
    practitioner.addElement(stroke(0, 0));
    patient.addElement(stroke(5, 5));
    await hub.flush();
    expect(patient.clear()).to.equal(false);
    await hub.flush();
    expect(practitioner.elements()).to.have.length(2);
    expect(practitioner.clear()).to.equal(true);
    await hub.flush();
    expect(patient.elements()).to.have.length(0);
    expectConverged(practitioner, patient);
  });

  it('drops garbage without crashing or corrupting the document', async () => {
    const { hub, boards } = room(2);
    const [a, b] = boards as [WhiteboardSync, WhiteboardSync];
    a.addElement(stroke(0, 0));
    await hub.flush();
    const mallory = hub.join('mallory');
    // Forged frames, kinds unknown to the protocol included.
    const frame = (kind: number, id: number, index: number, count: number, payload: Uint8Array) =>
      encodeFrame(kind as MessageKind, id, index, count, payload);
    const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
    const quiet = silenceWarnings();
    try {
      await mallory.sendBytes(WHITEBOARD_TOPIC, new Uint8Array([1, 2, 3]));
      await mallory.sendBytes(WHITEBOARD_TOPIC, random(500));
      await mallory.sendBytes(WHITEBOARD_TOPIC, frame(9, 1, 0, 1, random(20)));
      await mallory.sendBytes(WHITEBOARD_TOPIC, frame(1, 2, 5, 2, random(20)));
      for (let i = 0; i < 20; i++) await mallory.sendBytes(WHITEBOARD_TOPIC, frame(1, 3, 0, 1, random(200)));
      await mallory.sendBytes(WHITEBOARD_TOPIC, frame(2, 4, 0, 1, random(50)));
      // Unfinished chunked messages: bounded, never applied.
      for (let i = 0; i < 40; i++) await mallory.sendBytes(WHITEBOARD_TOPIC, frame(1, 100 + i, 0, 2048, random(100)));
      // A well-formed update carrying malformed elements.
      const evil = new Y.Doc();
      evil
        .getArray('elements')
        .push([
          { id: 'x1', kind: 'script', author: 'm', color: '#000000', size: 2, points: [0, 0] },
          { id: 'x2', kind: 'pen', author: 'm', color: 'red; background:url(x)', size: 2, points: [0, 0] },
          { id: 'x3', kind: 'pen', author: 'm', color: '#000000', size: 2, points: [0, 'a'] },
          { id: 'x4', kind: 'pen', author: 'm', color: '#000000', size: 2, points: [0, 0, 1] },
          'a string',
          42,
          null,
        ]);
      evil.getMap('meta').set('background', { id: '../../etc/passwd', name: 'x', type: 'text/html', page: 1 });
      await mallory.sendBytes(WHITEBOARD_TOPIC, frame(1, 5, 0, 1, Y.encodeStateAsUpdate(evil)));
      mallory.sendLossy('vc.whiteboard.cursor', new TextEncoder().encode('{"x":"nope"}'));
      mallory.sendLossy('vc.whiteboard.cursor', random(100));
      await hub.flush();
    } finally {
      quiet.restore();
    }
    expect(summary(b)).to.deep.equal(summary(a));
    expect(b.elements()).to.have.length(1);
    expect(b.background()).to.equal(undefined);
    expect(b.cursors()).to.have.length(0);
    expect(quiet.warnings.length).to.be.greaterThan(20);
    // Handled by the sync itself (reasons logged), never thrown into the transport.
    expect(quiet.warnings.filter((w) => w.includes('threw'))).to.deep.equal([]);
    expect(quiet.warnings.some((w) => w.includes('bad update'))).to.equal(true);
    // Still works afterwards.
    b.addElement(stroke(9, 9));
    await hub.flush();
    expect(a.elements()).to.have.length(2);
  });

  it('throttles cursors on the lossy channel and shows remote ones with their name', async () => {
    const { hub, boards } = room(2);
    const [a, b] = boards as [WhiteboardSync, WhiteboardSync];
    const lossy = () => hub.packets.filter((p) => p.kind === 'lossy');
    for (let i = 0; i < 50; i++) a.setCursor({ x: i, y: i, laser: true, color: '#ff0000' });
    expect(lossy()).to.have.length(1);
    await new Promise((r) => setTimeout(r, 80));
    expect(lossy()).to.have.length(2);
    await hub.flush();
    const [cursor] = b.cursors();
    expect(cursor).to.include({ identity: 'p1', name: 'Person 1', x: 49, y: 49, laser: true });
    expect(lossy().every((p) => p.size < 200)).to.equal(true);
    a.setCursor(null);
    await new Promise((r) => setTimeout(r, 80));
    await hub.flush();
    expect(b.cursors()).to.have.length(0);
  });
});

describe('watchWhiteboard', () => {
  it('wakes a participant without a board when someone opens theirs, and the late board converges', async () => {
    const hub = new LoopbackHub();
    const practitioner = hub.join('doc', 'Dr. Adams');
    const patient = hub.join('pat', 'Pat');
    const woken: string[] = [];
    watchWhiteboard(patient, (by) => woken.push(by.name));
    const board = new WhiteboardSync(practitioner, { role: 'practitioner' });
    board.addElement(stroke(0, 0));
    board.addElement(stroke(10, 10));
    await hub.flush();
    expect(woken).to.deep.equal(['Dr. Adams']);
    const { WhiteboardSync: LazySync } = await loadWhiteboardSync();
    const patientBoard = new LazySync(patient, { role: 'patient' });
    await hub.flush();
    expectConverged(board, patientBoard);
    expect(woken).to.have.length(1);
  });
});

describe('<vc-whiteboard>', () => {
  let hub: LoopbackHub;
  let boards: WhiteboardSync[];

  before(async () => {
    await loadWhiteboard();
  });

  beforeEach(() => {
    ({ hub, boards } = room(2));
  });

  afterEach(() => boards.forEach((b) => b.destroy()));

  async function board(sync: WhiteboardSync, extra: Partial<VcWhiteboard> = {}): Promise<VcWhiteboard> {
    const el = await fixture<VcWhiteboard>(
      html`<vc-whiteboard style="width: 600px" .sync=${sync} pdf-worker-src=${PDF_WORKER}></vc-whiteboard>`,
    );
    Object.assign(el, extra);
    await el.updateComplete;
    return el;
  }

  function canvasOf(el: VcWhiteboard): HTMLCanvasElement {
    return el.shadowRoot!.querySelector('canvas')!;
  }

  function drag(el: VcWhiteboard, path: Array<[number, number]>): void {
    const canvas = canvasOf(el);
    const rect = canvas.getBoundingClientRect();
    const fire = (type: string, [x, y]: [number, number]) =>
      canvas.dispatchEvent(
        new PointerEvent(type, {
          clientX: rect.left + x,
          clientY: rect.top + y,
          pointerId: 7,
          button: 0,
          pointerType: 'mouse',
          bubbles: true,
          composed: true,
        }),
      );
    fire('pointerdown', path[0]!);
    for (const point of path.slice(1)) fire('pointermove', point);
    fire('pointerup', path.at(-1)!);
  }

  function toolButton(el: VcWhiteboard, label: string): HTMLButtonElement {
    return el.shadowRoot!.querySelector<HTMLButtonElement>(`[part=tool-button][aria-label="${label}"]`)!;
  }

  it('is loaded lazily through loadWhiteboard()', async () => {
    const VcWhiteboardClass = await loadWhiteboard();
    expect(customElements.get('vc-whiteboard')).to.equal(VcWhiteboardClass);
    expect(await loadWhiteboard()).to.equal(VcWhiteboardClass);
  });

  it('draws smoothed pen and highlighter strokes into the shared document', async () => {
    const [a, b] = boards as [WhiteboardSync, WhiteboardSync];
    const el = await board(a, { color: '#ff0000', size: 6 });
    drag(el, [
      [10, 10],
      [20, 15],
      [30, 25],
      [40, 40],
    ]);
    el.tool = 'highlighter';
    await el.updateComplete;
    drag(el, [
      [100, 10],
      [150, 10],
    ]);
    await hub.flush();
    expect(summary(b)).to.deep.equal([
      { kind: 'pen', color: '#ff0000', points: [10, 10, 20, 15, 30, 25, 40, 40] },
      { kind: 'highlighter', color: '#ff0000', points: [100, 10, 150, 10] },
    ]);
    expect(b.elements()[0]!.size).to.equal(6);
    expect(b.elements()[0]!.author).to.equal('p1');
    // The pen actually painted: the pixel under the stroke is red.
    el.draw();
    const dpr = window.devicePixelRatio || 1;
    const pixel = canvasOf(el)
      .getContext('2d')!
      .getImageData(Math.round(30 * dpr), Math.round(25 * dpr), 1, 1).data;
    expect([pixel[0], pixel[1], pixel[2]]).to.deep.equal([255, 0, 0]);
  });

  it('makes lines, arrows, rectangles, ellipses and text', async () => {
    const [a, b] = boards as [WhiteboardSync, WhiteboardSync];
    const el = await board(a, { color: '#00aa00' });
    for (const tool of ['line', 'arrow', 'rect', 'ellipse'] as const) {
      toolButton(el, { line: 'Line', arrow: 'Arrow', rect: 'Rectangle', ellipse: 'Ellipse' }[tool]).click();
      await el.updateComplete;
      expect(el.tool).to.equal(tool);
      drag(el, [
        [10, 20],
        [50, 60],
        [110, 90],
      ]);
    }
    toolButton(el, 'Text').click();
    await el.updateComplete;
    drag(el, [
      [200, 100],
      [200, 100],
    ]);
    await el.updateComplete;
    const editor = el.shadowRoot!.querySelector<HTMLTextAreaElement>('.text-editor')!;
    expect(editor.getAttribute('aria-label')).to.equal('Text to place on the board');
    editor.value = '<b>Take twice daily</b>';
    editor.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true, cancelable: true }));
    await hub.flush();
    expect(summary(b)).to.deep.equal([
      { kind: 'line', color: '#00aa00', points: [10, 20, 110, 90] },
      { kind: 'arrow', color: '#00aa00', points: [10, 20, 110, 90] },
      { kind: 'rect', color: '#00aa00', points: [10, 20, 110, 90] },
      { kind: 'ellipse', color: '#00aa00', points: [10, 20, 110, 90] },
      { kind: 'text', color: '#00aa00', points: [200, 100], text: '<b>Take twice daily</b>' },
    ]);
  });

  it('erases what the eraser touches, as one undoable step', async () => {
    const [a, b] = boards as [WhiteboardSync, WhiteboardSync];
    const el = await board(a);
    b.addElement({ kind: 'line', color: '#000000', size: 2, points: [0, 50, 300, 50] });
    b.addElement({ kind: 'rect', color: '#000000', size: 2, points: [400, 10, 500, 100] });
    b.addElement({ kind: 'pen', color: '#000000', size: 2, points: [0, 200, 100, 200] });
    await hub.flush();
    el.tool = 'eraser';
    await el.updateComplete;
    drag(el, [
      [150, 40],
      [150, 60],
      [50, 200],
    ]);
    await hub.flush();
    expect(b.elements().map((e) => e.kind)).to.deep.equal(['rect']);
    el.undo();
    await hub.flush();
    expect(b.elements().map((e) => e.kind)).to.deep.equal(['line', 'rect', 'pen']);
  });

  it('undo and redo from the toolbar and keyboard touch only this user’s strokes', async () => {
    const [a, b] = boards as [WhiteboardSync, WhiteboardSync];
    const el = await board(a);
    const undo = el.shadowRoot!.querySelector<HTMLButtonElement>('[data-action=undo]')!;
    const redo = el.shadowRoot!.querySelector<HTMLButtonElement>('[data-action=redo]')!;
    expect(undo.disabled).to.equal(true);
    drag(el, [
      [10, 10],
      [60, 60],
    ]);
    b.addElement(stroke(300, 300, '#00ff00'));
    await hub.flush();
    await el.updateComplete;
    expect(undo.disabled).to.equal(false);
    undo.click();
    await hub.flush();
    await el.updateComplete;
    expect(summary(b).map((e) => e.color)).to.deep.equal(['#00ff00']);
    expect(redo.disabled).to.equal(false);
    el.dispatchEvent(new KeyboardEvent('keydown', { key: 'y', ctrlKey: true, bubbles: true, composed: true }));
    await hub.flush();
    // Redo restores the stroke; where it lands relative to a concurrent one is Yjs's (deterministic) choice.
    expect(
      summary(b)
        .map((e) => e.color)
        .sort(),
    ).to.deep.equal(['#00ff00', '#1d4ed8']);
    el.dispatchEvent(new KeyboardEvent('keydown', { key: 'z', ctrlKey: true, bubbles: true, composed: true }));
    el.dispatchEvent(new KeyboardEvent('keydown', { key: 'z', ctrlKey: true, bubbles: true, composed: true }));
    await hub.flush();
    expect(summary(b).map((e) => e.color)).to.deep.equal(['#00ff00']);
  });

  it('shows clear to the practitioner only, behind a cancelable request', async () => {
    const [practitioner, patient] = boards as [WhiteboardSync, WhiteboardSync];
    practitioner.addElement(stroke(0, 0));
    await hub.flush();
    const patientBoard = await board(patient);
    expect(patientBoard.shadowRoot!.querySelector('[data-action=clear]')).to.equal(null);
    expect(patientBoard.clear()).to.equal(false);
    const el = await board(practitioner);
    const clear = el.shadowRoot!.querySelector<HTMLButtonElement>('[data-action=clear]')!;
    const veto = (e: Event) => e.preventDefault();
    el.addEventListener('vc-whiteboard-clear-request', veto);
    clear.click();
    await hub.flush();
    expect(patient.elements()).to.have.length(1);
    el.removeEventListener('vc-whiteboard-clear-request', veto);
    clear.click();
    await hub.flush();
    expect(patient.elements()).to.have.length(0);
  });

  it('pans and zooms: drawing lands at the right board coordinates', async () => {
    const [a] = boards as [WhiteboardSync];
    const el = await board(a, { tool: 'line' });
    el.shadowRoot!.querySelector<HTMLButtonElement>('[data-action=zoomIn]')!.click();
    el.resetView();
    el.zoomBy(2, { x: 0, y: 0 });
    drag(el, [
      [20, 20],
      [100, 60],
    ]);
    expect(a.elements()[0]!.points).to.deep.equal([10, 10, 50, 30]);
    el.tool = 'pan';
    await el.updateComplete;
    drag(el, [
      [100, 100],
      [150, 120],
    ]);
    el.tool = 'line';
    await el.updateComplete;
    drag(el, [
      [50, 20],
      [50, 20.5],
    ]);
    expect(a.elements()[1]!.points.slice(0, 2)).to.deep.equal([0, 0]);
    const stage = el.shadowRoot!.querySelector<HTMLElement>('.stage')!;
    stage.focus();
    stage.dispatchEvent(new KeyboardEvent('keydown', { key: '0', bubbles: true, composed: true, cancelable: true }));
    await el.updateComplete;
    drag(el, [
      [5, 5],
      [6, 6],
    ]);
    expect(a.elements()[2]!.points).to.deep.equal([5, 5, 6, 6]);
  });

  it('exports a PNG locally without sending anything', async () => {
    const [a] = boards as [WhiteboardSync];
    const el = await board(a);
    drag(el, [
      [10, 10],
      [200, 100],
    ]);
    await hub.flush();
    const before = hub.packets.length;
    const blob = await el.exportPng();
    expect(blob.type).to.equal('image/png');
    const bitmap = await createImageBitmap(blob);
    expect(bitmap.width).to.be.greaterThan(190);
    await hub.flush();
    expect(hub.packets.length).to.equal(before);
  });

  it('shows a shared image as everyone’s background', async () => {
    const [a, b] = boards as [WhiteboardSync, WhiteboardSync];
    const png = await pngBlob(64, 48);
    const fetched: string[] = [];
    const fetchAttachment = async (attachment: { id: string }) => (fetched.push(attachment.id), png);
    const uploaded: File[] = [];
    const uploader = async (file: File) => (
      uploaded.push(file),
      { id: DOC_ID, name: file.name, type: 'image/png' as const, size: file.size, url: '' }
    );
    const sender = await board(a, { fetchAttachment, uploader });
    const receiver = await board(b, { fetchAttachment });
    const input = sender.shadowRoot!.querySelector<HTMLInputElement>('input[type=file]')!;
    const transfer = new DataTransfer();
    transfer.items.add(new File([png], 'box.png', { type: 'image/png' }));
    input.files = transfer.files;
    const shown = new Promise((resolve) => receiver.addEventListener('vc-whiteboard-document-shown', resolve, { once: true }));
    input.dispatchEvent(new Event('change'));
    await hub.flush();
    await shown;
    await receiver.updateComplete;
    expect(uploaded.map((f) => f.name)).to.deep.equal(['box.png']);
    expect(b.background()).to.deep.equal({ id: DOC_ID, name: 'box.png', type: 'image/png', page: 1 });
    expect(fetched).to.include(DOC_ID);
    expect(receiver.shadowRoot!.querySelector('#summary')!.textContent).to.contain('box.png');
    receiver.draw();
    const pixel = canvasOf(receiver).getContext('2d')!.getImageData(2, 2, 1, 1).data;
    expect(pixel[3]).to.equal(255);
  });

  it('renders PDF pages with pdf.js, imported only when a PDF is shown', async () => {
    const [a, b] = boards as [WhiteboardSync, WhiteboardSync];
    const pdfLoaded = () => performance.getEntriesByType('resource').some((e) => e.name.includes('pdfjs-dist/build/pdf.mjs'));
    expect(pdfLoaded(), 'pdf.js loaded before any PDF was shown').to.equal(false);
    const pdf = new Blob([minimalPdf(2) as Uint8Array<ArrayBuffer>], { type: 'application/pdf' });
    const fetchAttachment = async () => pdf;
    const el = await board(b, { fetchAttachment });
    const shown = new Promise((resolve) => el.addEventListener('vc-whiteboard-document-shown', resolve, { once: true }));
    a.setBackground({ id: DOC_ID, name: 'leaflet.pdf', type: 'application/pdf', page: 1 });
    await hub.flush();
    await shown;
    await el.updateComplete;
    expect(pdfLoaded()).to.equal(true);
    expect(el.shadowRoot!.querySelector('.page')!.textContent).to.equal('Page 1 of 2');
    const next = el.shadowRoot!.querySelector<HTMLButtonElement>('[data-action=next]')!;
    const second = new Promise((resolve) => el.addEventListener('vc-whiteboard-document-shown', resolve, { once: true }));
    next.click();
    await second;
    await hub.flush();
    await el.updateComplete;
    expect(a.background()!.page).to.equal(2);
    expect(el.shadowRoot!.querySelector('.page')!.textContent).to.equal('Page 2 of 2');
    expect(el.shadowRoot!.querySelector<HTMLButtonElement>('[data-action=next]')!.disabled).to.equal(true);
  });

  it('has a keyboard-operable toolbar with pressed states', async () => {
    const [a] = boards as [WhiteboardSync];
    const el = await board(a);
    const pen = toolButton(el, 'Pen');
    expect(pen.getAttribute('aria-pressed')).to.equal('true');
    expect(toolButton(el, 'Eraser').getAttribute('aria-pressed')).to.equal('false');
    pen.focus();
    pen.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true, composed: true }));
    expect(el.shadowRoot!.activeElement).to.equal(toolButton(el, 'Highlighter'));
    toolButton(el, 'Eraser').click();
    await el.updateComplete;
    expect(toolButton(el, 'Eraser').getAttribute('aria-pressed')).to.equal('true');
    expect(pen.getAttribute('aria-pressed')).to.equal('false');
    expect(el.getAttribute('tool')).to.equal('eraser');
  });

  it('shows remote cursors from the lossy channel', async () => {
    const [a, b] = boards as [WhiteboardSync, WhiteboardSync];
    const el = await board(b);
    a.setCursor({ x: 100, y: 80, laser: false, color: '#00ff00' });
    await hub.flush();
    el.draw();
    const dpr = window.devicePixelRatio || 1;
    const pixel = canvasOf(el)
      .getContext('2d')!
      .getImageData(Math.round(103 * dpr), Math.round(84 * dpr), 1, 1).data;
    expect([pixel[0], pixel[1], pixel[2]]).to.deep.equal([0, 255, 0]);
  });

  for (const theme of ['dark', 'high-contrast'] as const) {
    it(`passes an axe audit in the ${theme} theme`, async () => {
      const [a] = boards as [WhiteboardSync];
      const el = await board(a);
      el.theme = theme;
      await el.updateComplete;
      await expect(el).to.be.accessible();
    });
  }

  it('passes an axe audit', async () => {
    const [a] = boards as [WhiteboardSync];
    const el = await board(a, { uploader: async () => ({ id: DOC_ID, name: 'x.png', type: 'image/png', size: 1, url: '' }) });
    await expect(el).to.be.accessible();
    el.tool = 'text';
    await el.updateComplete;
    drag(el, [
      [50, 50],
      [50, 50],
    ]);
    await el.updateComplete;
    await expect(el).to.be.accessible();
  });
});
