// The whiteboard's viewport and gestures as pure functions: no element, no canvas.
import { expect } from '@open-wc/testing';
import fc from 'fast-check';
import type { BoardElement } from '../../src/session/whiteboard-sync.js';
import {
  beginGesture,
  continueGesture,
  eraserRadius,
  finishGesture,
  roundCoordinate,
  type Gesture,
  type PointerSample,
} from '../../src/components/whiteboard/gestures.js';
import {
  MAX_SCALE,
  MIN_SCALE,
  panBy,
  toBoard,
  toScreen,
  viewForKey,
  viewForWheel,
  zoomAround,
  type View,
} from '../../src/components/whiteboard/viewport.js';

const STYLE = { color: '#1d4ed8', size: 4 };
const VIEW: View = { x: 0, y: 0, scale: 1 };
const at = (x: number, y: number, pointerId = 1): PointerSample => ({ pointerId, x, y, clientX: x, clientY: y });
const NO_ERASE = { elements: [], radius: 4 };

function stroke(id: string, points: number[]): BoardElement {
  return { id, author: 'p1', kind: 'pen', color: '#000000', size: 4, points };
}

describe('whiteboard viewport', () => {
  const views = fc.record({
    x: fc.double({ min: -1e4, max: 1e4, noNaN: true }),
    y: fc.double({ min: -1e4, max: 1e4, noNaN: true }),
    scale: fc.double({ min: MIN_SCALE, max: MAX_SCALE, noNaN: true }),
  });
  const coordinate = fc.double({ min: -1e4, max: 1e4, noNaN: true });

  it('board → screen → board is the identity', () => {
    fc.assert(
      fc.property(views, coordinate, coordinate, (view, x, y) => {
        const screen = toScreen(view, x, y);
        const back = toBoard(view, screen.x, screen.y);
        expect(back.x).to.be.closeTo(x, 1e-6 * Math.max(1, Math.abs(x)));
        expect(back.y).to.be.closeTo(y, 1e-6 * Math.max(1, Math.abs(y)));
      }),
    );
  });

  it('zooming keeps the board point under the zoom centre where it was, within the scale limits', () => {
    fc.assert(
      fc.property(views, fc.double({ min: 0.01, max: 100, noNaN: true }), coordinate, coordinate, (view, factor, cx, cy) => {
        const zoomed = zoomAround(view, factor, cx, cy);
        expect(zoomed.scale).to.be.within(MIN_SCALE, MAX_SCALE);
        const before = toBoard(view, cx, cy);
        const after = toBoard(zoomed, cx, cy);
        expect(after.x).to.be.closeTo(before.x, 1e-6 * Math.max(1, Math.abs(before.x)));
        expect(after.y).to.be.closeTo(before.y, 1e-6 * Math.max(1, Math.abs(before.y)));
      }),
    );
    expect(zoomAround(VIEW, 1000, 0, 0).scale).to.equal(MAX_SCALE);
    expect(zoomAround(VIEW, 0.0001, 0, 0).scale).to.equal(MIN_SCALE);
  });

  it('keys: arrows move the view 40 px, + and - zoom around the centre, 0 resets, other keys are not the board’s', () => {
    const view = { x: 10, y: 20, scale: 2 };
    const center = { x: 100, y: 50 };
    expect(viewForKey(view, 'ArrowLeft', center)).to.deep.equal({ x: 50, y: 20, scale: 2 });
    expect(viewForKey(view, 'ArrowDown', center)).to.deep.equal({ x: 10, y: -20, scale: 2 });
    expect(viewForKey(view, '+', center)).to.deep.equal(zoomAround(view, 1.25, 100, 50));
    expect(viewForKey(view, '=', center)).to.deep.equal(zoomAround(view, 1.25, 100, 50));
    expect(viewForKey(view, '-', center)).to.deep.equal(zoomAround(view, 0.8, 100, 50));
    expect(viewForKey(view, '0', center)).to.deep.equal({ x: 0, y: 0, scale: 1 });
    expect(viewForKey(view, 'a', center)).to.equal(undefined);
  });

  it('the wheel scrolls; with Ctrl or ⌘ it zooms around the pointer', () => {
    const wheel = { deltaX: 5, deltaY: -30, ctrlKey: false, metaKey: false };
    expect(viewForWheel(VIEW, wheel, { x: 7, y: 9 })).to.deep.equal(panBy(VIEW, -5, 30));
    const zoomed = viewForWheel(VIEW, { ...wheel, ctrlKey: true }, { x: 7, y: 9 });
    expect(zoomed).to.deep.equal(zoomAround(VIEW, Math.exp(30 / 300), 7, 9));
    expect(zoomed.scale).to.be.greaterThan(1);
    expect(viewForWheel(VIEW, { ...wheel, metaKey: true }, { x: 7, y: 9 })).to.deep.equal(zoomed);
  });
});

describe('whiteboard gestures', () => {
  it('a pen stroke starts at the press, gains a point per screen pixel moved, and is added on release', () => {
    const { gesture } = beginGesture('pen', at(1.04, 2.06), STYLE, VIEW);
    expect(gesture).to.deep.include({ type: 'draw', pointerId: 1 });
    continueGesture(gesture!, at(1.5, 2.5), VIEW, NO_ERASE); // under a pixel: ignored
    continueGesture(gesture!, at(10, 2.1), VIEW, NO_ERASE);
    // Zoomed in 4×, a quarter board unit is a screen pixel.
    continueGesture(gesture!, at(10.3, 2.1), { ...VIEW, scale: 4 }, NO_ERASE);
    expect(finishGesture(gesture!)).to.deep.equal({ add: { kind: 'pen', ...STYLE, points: [1, 2.1, 10, 2.1, 10.3, 2.1] } });
  });

  it('a shape follows the pointer with its second corner; one of zero size adds nothing', () => {
    const { gesture } = beginGesture('rect', at(5, 5), STYLE, VIEW);
    continueGesture(gesture!, at(8, 9), VIEW, NO_ERASE);
    continueGesture(gesture!, at(20.04, 30), VIEW, NO_ERASE);
    expect(finishGesture(gesture!)).to.deep.equal({ add: { kind: 'rect', ...STYLE, points: [5, 5, 20, 30] } });
    const dot = beginGesture('ellipse', at(5, 5), STYLE, VIEW).gesture!;
    expect(finishGesture(dot)).to.deep.equal({});
  });

  it('panning moves the view by what the pointer moved on screen, from the view at the press', () => {
    const view = { x: 3, y: 4, scale: 2 };
    const { gesture } = beginGesture('pan', { ...at(0, 0), clientX: 100, clientY: 100 }, STYLE, view);
    expect(continueGesture(gesture!, { ...at(0, 0), clientX: 130, clientY: 90 }, view, NO_ERASE)).to.deep.equal({ x: 33, y: -6, scale: 2 });
    expect(finishGesture(gesture!)).to.deep.equal({});
  });

  it('the eraser removes what a fast swipe crossed, not only where the pointer was sampled', () => {
    const elements = [stroke('a', [50, -20, 50, 20]), stroke('b', [150, -20, 150, 20]), stroke('far', [50, 500, 60, 500])];
    const { gesture } = beginGesture('eraser', at(0, 0), STYLE, VIEW);
    const erase = { elements, radius: eraserRadius(STYLE.size, VIEW) };
    continueGesture(gesture!, at(0, 0), VIEW, erase);
    continueGesture(gesture!, at(200, 0), VIEW, erase); // one sample on each side of both strokes
    expect([...(finishGesture(gesture!).remove ?? [])].sort()).to.deep.equal(['a', 'b']);
    expect(finishGesture(beginGesture('eraser', at(0, 0), STYLE, VIEW).gesture as Gesture)).to.deep.equal({});
  });

  it('the eraser reaches as far on screen whatever the zoom', () => {
    expect(eraserRadius(10, { ...VIEW, scale: 2 })).to.equal(5);
    expect(eraserRadius(1, VIEW)).to.equal(4);
  });

  it('the text tool returns where the text goes; the laser starts nothing', () => {
    expect(beginGesture('text', at(3.33, 4.44), STYLE, VIEW)).to.deep.equal({ textAt: { x: 3.33, y: 4.44 } });
    expect(beginGesture('laser', at(1, 1), STYLE, VIEW)).to.deep.equal({});
  });

  it('board coordinates are kept to a tenth of a unit', () => {
    expect([roundCoordinate(1.04), roundCoordinate(1.05), roundCoordinate(-2.26)]).to.deep.equal([1, 1.1, -2.3]);
  });
});
