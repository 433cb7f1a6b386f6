/**
 * Zoom on a remote video, for looking at details (a rash, a medication box): mouse wheel, two-finger pinch, and
 * the keyboard on the focused tile (+ / − zoom, 0 resets, arrow keys move the zoomed view). Purely local: the
 * sender's video is untouched. One `VideoZoom` per tile, keyed by participant identity in `<vc-call>`.
 */
export const MIN_ZOOM = 1;
export const MAX_ZOOM = 4;
const KEY_STEP = 1.25;
const PAN_STEP = 0.1;

export interface ZoomState {
  scale: number;
  /** Offset of the view's centre, as a fraction of the tile (−0.5 … 0.5 at most, less when less zoomed). */
  x: number;
  y: number;
}

export class VideoZoom {
  state: ZoomState = { scale: 1, x: 0, y: 0 };
  private readonly pointers = new Map<number, { x: number; y: number }>();
  private pinchStart?: { distance: number; scale: number };

  constructor(private readonly changed: () => void) {}

  /** CSS transform for the video; none when not zoomed. */
  get transform(): string {
    const { scale, x, y } = this.state;
    return scale === 1 ? '' : `scale(${scale}) translate(${(-x * 100).toFixed(2)}%, ${(-y * 100).toFixed(2)}%)`;
  }

  zoomBy(factor: number): void {
    this.set({ ...this.state, scale: this.state.scale * factor });
  }

  reset(): void {
    this.set({ scale: 1, x: 0, y: 0 });
  }

  /** Returns true when the key was a zoom key (the caller then prevents its default). */
  onKey(event: KeyboardEvent): boolean {
    const { scale, x, y } = this.state;
    const pan = PAN_STEP / scale;
    const actions: Record<string, () => void> = {
      '+': () => this.zoomBy(KEY_STEP),
      '=': () => this.zoomBy(KEY_STEP),
      '-': () => this.zoomBy(1 / KEY_STEP),
      '0': () => this.reset(),
      ArrowLeft: () => this.set({ scale, x: x - pan, y }),
      ArrowRight: () => this.set({ scale, x: x + pan, y }),
      ArrowUp: () => this.set({ scale, x, y: y - pan }),
      ArrowDown: () => this.set({ scale, x, y: y + pan }),
    };
    const action = actions[event.key];
    // Arrows only pan a zoomed view; otherwise they keep their usual meaning (scrolling the page).
    if (!action || (event.key.startsWith('Arrow') && scale === 1)) return false;
    action();
    return true;
  }

  onWheel(event: WheelEvent): void {
    if (event.deltaY === 0) return;
    event.preventDefault();
    this.zoomBy(Math.exp(-event.deltaY / 300));
  }

  onPointerDown(event: PointerEvent): void {
    this.pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (this.pointers.size === 2) this.pinchStart = { distance: this.distance(), scale: this.state.scale };
  }

  onPointerMove(event: PointerEvent, box: DOMRect): void {
    const previous = this.pointers.get(event.pointerId);
    if (!previous) return;
    this.pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (this.pinchStart && this.pointers.size === 2) {
      this.set({ ...this.state, scale: (this.pinchStart.scale * this.distance()) / Math.max(1, this.pinchStart.distance) });
    } else if (this.pointers.size === 1 && this.state.scale > 1) {
      // One finger (or the mouse) drags the zoomed view along.
      const { scale, x, y } = this.state;
      this.set({
        scale,
        x: x - (event.clientX - previous.x) / box.width / scale,
        y: y - (event.clientY - previous.y) / box.height / scale,
      });
    }
  }

  onPointerUp(event: PointerEvent): void {
    this.pointers.delete(event.pointerId);
    if (this.pointers.size < 2) this.pinchStart = undefined;
  }

  private distance(): number {
    const [a, b] = [...this.pointers.values()];
    return a && b ? Math.hypot(a.x - b.x, a.y - b.y) : 0;
  }

  private set(next: ZoomState): void {
    const scale = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, next.scale));
    // The view never leaves the video: at scale s the centre can move up to (1 − 1/s) / 2 of the tile.
    const limit = (1 - 1 / scale) / 2;
    const clamp = (value: number) => Math.min(limit, Math.max(-limit, value));
    const state = { scale, x: clamp(next.x), y: clamp(next.y) };
    if (state.scale === this.state.scale && state.x === this.state.x && state.y === this.state.y) return;
    this.state = state;
    this.changed();
  }
}
