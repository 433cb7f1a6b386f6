import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * The board's draw loop: at most one paint per animation frame, a canvas sized to its stage in device pixels
 * (kept so by a ResizeObserver), and a repaint after every render of the host. `paint` returns true while
 * something animates (a laser trail fading), which asks for the next frame.
 */
export class CanvasLoopController implements ReactiveController {
  private frame = 0;
  private observer?: ResizeObserver;
  private observed?: HTMLElement;

  constructor(
    host: ReactiveControllerHost,
    private readonly elements: () => { stage?: HTMLElement | undefined; canvas?: HTMLCanvasElement | undefined },
    private readonly paint: (ctx: CanvasRenderingContext2D, devicePixelRatio: number) => boolean,
  ) {
    host.addController(this);
  }

  hostUpdated(): void {
    this.observeStage();
    this.schedule();
  }

  hostDisconnected(): void {
    this.observer?.disconnect();
    this.observer = undefined;
    this.observed = undefined;
    cancelAnimationFrame(this.frame);
    this.frame = 0;
  }

  /** Paints in the next animation frame (once, however often it is asked). */
  schedule(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.drawNow());
  }

  /** Paints now. */
  drawNow(): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    const canvas = this.elements().canvas;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    if (this.paint(ctx, window.devicePixelRatio || 1)) this.schedule();
  }

  private observeStage(): void {
    const stage = this.elements().stage;
    if (!stage || stage === this.observed) return;
    this.observer?.disconnect();
    this.observed = stage;
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(stage);
    this.resize();
  }

  private resize(): void {
    const { stage, canvas } = this.elements();
    if (!stage || !canvas) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(stage.clientWidth * dpr));
    canvas.height = Math.max(1, Math.round(stage.clientHeight * dpr));
    this.drawNow();
  }
}
