import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { VcWhiteboardClearRequestEvent, VcWhiteboardDocumentShownEvent } from '../../events/whiteboard.js';
import { VcSessionElement } from '../../internal/session-element.js';
import { VcElement } from '../../internal/vc-element.js';
import type { AttachmentFetcher, ChatAttachment, Uploader } from '../../session/chat.js';
import { followCollaboration, type Collaboration } from '../../session/collaboration.js';
import type { BoardBackground, BoardElement, ElementKind, NewBoardElement, RemoteCursor, WhiteboardSync } from '../../session/whiteboard-sync.js';
import { BackgroundLoader, defaultPdfWorkerSrc, type LoadedBackground } from './background.js';
import { icon, type IconName } from './icons.js';
import { bounds, drawCursors, drawElement, hitTest, type View } from './render.js';
import { whiteboardStyles } from './whiteboard.styles.js';

export type WhiteboardTool = 'pen' | 'highlighter' | 'eraser' | 'line' | 'arrow' | 'rect' | 'ellipse' | 'text' | 'pan' | 'laser';
export const WHITEBOARD_TOOLS: readonly WhiteboardTool[] = ['pen', 'highlighter', 'eraser', 'line', 'arrow', 'rect', 'ellipse', 'text', 'pan', 'laser'];

const DRAW_KINDS: readonly ElementKind[] = ['pen', 'highlighter', 'line', 'arrow', 'rect', 'ellipse'];
const TOOL_ICONS: Record<WhiteboardTool, IconName> = {
  pen: 'pen', highlighter: 'highlighter', eraser: 'eraser', line: 'line', arrow: 'arrow',
  rect: 'rect', ellipse: 'ellipse', text: 'text', pan: 'pan', laser: 'laser',
};
const MIN_SCALE = 0.1;
const MAX_SCALE = 8;

type Gesture =
  | { type: 'draw'; pointerId: number; element: NewBoardElement }
  | { type: 'erase'; pointerId: number; ids: Set<string>; last?: { x: number; y: number } }
  | { type: 'pan'; pointerId: number; startX: number; startY: number; view: View };

/**
 * A shared whiteboard: freehand pen and highlighter (perfect-freehand), eraser, line, arrow, rectangle,
 * ellipse, text, pan and zoom, a laser pointer and live cursors, a shared image or PDF as background, undo
 * and redo of one's own actions, clear (practitioner), and PNG export to this device only.
 *
 * The board is the session's (found by `.session`, `session="id"` naming a `<vc-consultation>`, or the
 * context of an enclosing one): connected to it, the element starts the session's board sync once in the
 * call, and shares documents through the consultation's `server-url` with the participant's own grant. A
 * `WhiteboardSync` set on `.sync` (with `.uploader` / `.fetchAttachment`) takes precedence. Load this module
 * lazily with `loadWhiteboard()` from `./lazy.js`.
 *
 * @fires vc-whiteboard-clear-request - Cancelable, before the practitioner clears the board.
 * @fires vc-error - A document could not be shown or uploaded (`document_failed`, `upload_failed`).
 * @fires vc-whiteboard-document-shown - A shared document (image or PDF page) was loaded and drawn.
 * @csspart base - The wrapper.
 * @csspart toolbar - The toolbar.
 * @csspart tool-button - Each tool button (pressed state in `aria-pressed`).
 * @csspart stage - The focusable drawing area.
 * @csspart canvas - The canvas.
 * @csspart status - The line under the board (page, errors).
 * @cssprop --vc-whiteboard-background - Background around the board (default `--vc-color-surface`).
 * @cssprop --vc-whiteboard-board-color - The board itself (default white: exports and documents stay legible).
 * @cssprop --vc-whiteboard-gap - Space between controls (default `--vc-space-xs`).
 * @cssprop --vc-whiteboard-padding - Inner spacing (default `--vc-space-s`).
 * @cssprop --vc-whiteboard-radius - Corner radius (default `--vc-radius-m`).
 * @cssprop --vc-whiteboard-height - Height of the board (default 30rem).
 * @cssprop --vc-whiteboard-pressed-background - The active tool (default `--vc-color-primary`).
 * @cssprop --vc-whiteboard-pressed-color - The active tool's icon (default `--vc-color-on-primary`).
 */
export class VcWhiteboard extends VcSessionElement {
  static override styles = [...VcElement.styles, whiteboardStyles];

  /** A board set by hand; otherwise the session's. */
  @property({ attribute: false }) sync?: WhiteboardSync;
  /** Fetches a shared document with the participant's token. */
  @property({ attribute: false }) fetchAttachment?: AttachmentFetcher;
  /** Uploads a document to show as background; without it the "show a document" button is hidden. */
  @property({ attribute: false }) uploader?: Uploader;
  @property({ reflect: true }) tool: WhiteboardTool = 'pen';
  /** Drawing colour, `#rrggbb`. */
  @property() color = '#1d4ed8';
  /** Stroke width in board units (1–40). */
  @property({ type: Number }) size = 4;
  /** Where pdf.js loads its worker from (our own origin); defaults to `pdf.worker.min.mjs` next to this module. */
  @property({ attribute: 'pdf-worker-src' }) pdfWorkerSrc = '';

  @state() private view: View = { x: 0, y: 0, scale: 1 };
  @state() private canUndo = false;
  @state() private canRedo = false;
  @state() private textAt?: { x: number; y: number };
  @state() private loaded?: LoadedBackground;
  @state() private backgroundState: 'none' | 'loading' | 'ready' | 'failed' = 'none';
  @state() private error = '';
  @state() private count = 0;

  @query('canvas') private canvas?: HTMLCanvasElement;
  @query('.stage') private stage?: HTMLElement;
  @query('.text-editor') private textEditor?: HTMLTextAreaElement;
  @query('input[type=file]') private fileInput?: HTMLInputElement;

  private collaboration?: Collaboration;
  private readonly onCollaborationChange = () => this.requestUpdate();
  /** The board actually shown: `.sync`, else the session's. */
  private board?: WhiteboardSync;
  private gesture?: Gesture;
  private frame = 0;
  private resizeObserver?: ResizeObserver;
  private detach?: () => void;
  private localLaser: Array<{ x: number; y: number; at: number }> = [];
  private readonly backgrounds = new BackgroundLoader(
    () => this.fetchAttachment ?? this.collaboration?.fetchAttachment,
    () => this.pdfWorkerSrc || defaultPdfWorkerSrc(),
  );
  private backgroundLoad?: AbortController;

  private get activeUploader(): Uploader | undefined {
    if (this.uploader) return this.uploader;
    return this.collaboration?.canShareFiles ? this.collaboration.upload : undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('keydown', this.onHostKeyDown);
    if (this.hasUpdated) this.attachSync();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.collaboration?.removeEventListener('change', this.onCollaborationChange);
    this.collaboration = undefined;
    this.removeEventListener('keydown', this.onHostKeyDown);
    this.detach?.();
    this.detach = undefined;
    this.resizeObserver?.disconnect();
    cancelAnimationFrame(this.frame);
    this.backgroundLoad?.abort();
    void this.backgrounds.dispose();
  }

  override firstUpdated(): void {
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(this.stage!);
    this.resize();
  }

  override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('tool')) this.validateOneOf('tool', this.tool, WHITEBOARD_TOOLS);
    this.collaboration = followCollaboration(this.collaboration, this.sessions.session, this.onCollaborationChange);
    const collaboration = this.collaboration;
    // Shown standalone or in a consultation, the board is open: start the session's sync (once in the call).
    if (!this.sync && collaboration && !collaboration.whiteboard && collaboration.chat) void collaboration.openWhiteboard().catch(() => undefined);
    if ((this.sync ?? collaboration?.whiteboard) !== this.board) this.attachSync();
  }

  override updated(changed: PropertyValues<this>): void {
    if (changed.has('tool') && this.tool !== 'laser') this.localLaser = [];
    if (changed.has('textAt' as keyof VcWhiteboard) && this.textAt) this.textEditor?.focus();
    this.scheduleDraw();
  }

  // --- public API -------------------------------------------------------------------------------------------

  undo(): void {
    this.board?.undo();
  }

  redo(): void {
    this.board?.redo();
  }

  /** Practitioner only; fires the cancelable `vc-whiteboard-clear-request` first. */
  clear(): boolean {
    if (!this.board || this.board.role !== 'practitioner') return false;
    if (!this.dispatchEvent(new VcWhiteboardClearRequestEvent())) return false;
    return this.board.clear();
  }

  zoomBy(factor: number, around?: { x: number; y: number }): void {
    const stage = this.stage;
    const cx = around?.x ?? (stage?.clientWidth ?? 0) / 2;
    const cy = around?.y ?? (stage?.clientHeight ?? 0) / 2;
    const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, this.view.scale * factor));
    const k = scale / this.view.scale;
    this.view = { scale, x: cx - (cx - this.view.x) * k, y: cy - (cy - this.view.y) * k };
  }

  resetView(): void {
    this.view = { x: 0, y: 0, scale: 1 };
  }

  /** Shows an already uploaded image or PDF (e.g. from the chat) as everyone's background. */
  showDocument(attachment: Pick<ChatAttachment, 'id' | 'name' | 'type'>, page = 1): void {
    this.board?.setBackground({ id: attachment.id, name: attachment.name, type: attachment.type, page });
  }

  /** The whole board (drawing and document) as a PNG. Stays on this device unless the caller sends it. */
  async exportPng(): Promise<Blob> {
    const elements = this.board?.elements() ?? [];
    const box = bounds(elements);
    const bg = this.loaded;
    const left = Math.min(box?.left ?? 0, 0);
    const top = Math.min(box?.top ?? 0, 0);
    const right = Math.max(box?.right ?? 0, bg?.width ?? 0, left + 1);
    const bottom = Math.max(box?.bottom ?? 0, bg?.height ?? 0, top + 1);
    const margin = 16;
    const canvas = document.createElement('canvas');
    canvas.width = Math.min(8192, Math.ceil(right - left + 2 * margin));
    canvas.height = Math.min(8192, Math.ceil(bottom - top + 2 * margin));
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.translate(margin - left, margin - top);
    if (bg) ctx.drawImage(bg.source, 0, 0, bg.width, bg.height);
    for (const element of elements) drawElement(ctx, element);
    return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('PNG export failed'))), 'image/png'));
  }

  /** Saves the PNG through a local download link; nothing is uploaded. */
  async downloadPng(): Promise<void> {
    const url = URL.createObjectURL(await this.exportPng());
    const link = document.createElement('a');
    link.href = url;
    link.download = `whiteboard-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-')}.png`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  /** Draws now (normally batched per animation frame). */
  draw(): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    const canvas = this.canvas;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    const { x, y, scale } = this.view;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.setTransform(dpr * scale, 0, 0, dpr * scale, dpr * x, dpr * y);
    if (this.loaded) ctx.drawImage(this.loaded.source, 0, 0, this.loaded.width, this.loaded.height);
    const erasing = this.gesture?.type === 'erase' ? this.gesture.ids : undefined;
    const elements = this.board?.elements() ?? [];
    for (const element of elements) if (!erasing?.has(element.id)) drawElement(ctx, element);
    if (this.gesture?.type === 'draw') drawElement(ctx, { ...this.gesture.element, id: 'draft', author: '' }, true);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const now = performance.now();
    const cursors: RemoteCursor[] = [...(this.board?.cursors() ?? [])];
    this.localLaser = this.localLaser.filter((p) => now - p.at < 1000);
    const last = this.localLaser.at(-1);
    if (last) cursors.push({ identity: '', name: this.board?.transport.localName ?? '', x: last.x, y: last.y, laser: true, color: this.color, trail: this.localLaser, at: now });
    // Remote trails carry Date.now() times; ours performance.now(): draw each against its own clock.
    drawCursors(ctx, cursors.filter((c) => c.identity), this.view, Date.now());
    drawCursors(ctx, cursors.filter((c) => !c.identity), this.view, now);
    if (cursors.some((c) => c.laser)) this.scheduleDraw();
  }

  // --- internals --------------------------------------------------------------------------------------------

  private scheduleDraw(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  private attachSync(): void {
    this.detach?.();
    this.detach = undefined;
    const candidate = this.sync ?? this.collaboration?.whiteboard;
    // A host page may assign anything to `.sync`: only a WhiteboardSync-like object is a board.
    const sync = typeof candidate?.addEventListener === 'function' && typeof candidate.elements === 'function' ? candidate : undefined;
    this.board = sync;
    if (!sync) return;
    const onChange = () => {
      this.count = sync.elements().length;
      this.refreshUndo();
      this.refreshBackground();
      this.scheduleDraw();
    };
    const onCursors = () => this.scheduleDraw();
    sync.addEventListener('change', onChange);
    sync.addEventListener('cursors', onCursors);
    sync.addEventListener('undo-state', onChange);
    this.detach = () => {
      sync.removeEventListener('change', onChange);
      sync.removeEventListener('cursors', onCursors);
      sync.removeEventListener('undo-state', onChange);
      sync.setCursor(null);
    };
    onChange();
  }

  private refreshUndo(): void {
    this.canUndo = this.board?.canUndo ?? false;
    this.canRedo = this.board?.canRedo ?? false;
  }

  private refreshBackground(): void {
    const background = this.board?.background();
    const key = background ? `${background.id}:${background.page}` : undefined;
    if (key === this.loaded?.key && this.backgroundState === 'ready') return;
    if (!background) {
      this.backgroundLoad?.abort();
      this.loaded = undefined;
      this.backgroundState = 'none';
      return;
    }
    if (this.backgroundState === 'loading' && this.backgroundLoad && (this.backgroundLoad as AbortController & { key?: string }).key === key) return;
    void this.loadBackground(background, key!);
  }

  private async loadBackground(background: BoardBackground, key: string): Promise<void> {
    this.backgroundLoad?.abort();
    const controller = Object.assign(new AbortController(), { key });
    this.backgroundLoad = controller;
    this.backgroundState = 'loading';
    this.error = '';
    try {
      const loaded = await this.backgrounds.load(background, controller.signal);
      if (controller.signal.aborted) return;
      this.loaded = loaded;
      this.backgroundState = 'ready';
      this.dispatchEvent(new VcWhiteboardDocumentShownEvent());
    } catch (error) {
      if (controller.signal.aborted) return;
      const reason = error instanceof Error ? error.message : String(error);
      this.backgroundState = 'failed';
      this.error = this.localize.t('wb.documentFailed', { reason });
      this.emitError('document_failed', reason);
    }
  }

  private resize(): void {
    const stage = this.stage;
    const canvas = this.canvas;
    if (!stage || !canvas) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(stage.clientWidth * dpr));
    canvas.height = Math.max(1, Math.round(stage.clientHeight * dpr));
    this.draw();
  }

  /** Screen (relative to the stage) → board coordinates. */
  private toBoard(event: { clientX: number; clientY: number }): { x: number; y: number; sx: number; sy: number } {
    const rect = this.stage!.getBoundingClientRect();
    const sx = event.clientX - rect.left;
    const sy = event.clientY - rect.top;
    return { x: (sx - this.view.x) / this.view.scale, y: (sy - this.view.y) / this.view.scale, sx, sy };
  }

  private onPointerDown(event: PointerEvent): void {
    if (!this.board || this.gesture) return;
    if (event.pointerType === 'mouse' && event.button !== 0 && event.button !== 1) return;
    try {
      (event.target as Element).setPointerCapture(event.pointerId);
    } catch {
      // Synthetic pointers (tests) cannot be captured.
    }
    const p = this.toBoard(event);
    const tool = event.button === 1 ? 'pan' : this.tool;
    const style = { color: this.color, size: this.size };
    if (tool === 'pan') {
      this.gesture = { type: 'pan', pointerId: event.pointerId, startX: event.clientX, startY: event.clientY, view: { ...this.view } };
    } else if (tool === 'pen' || tool === 'highlighter') {
      this.gesture = { type: 'draw', pointerId: event.pointerId, element: { kind: tool, ...style, points: [round(p.x), round(p.y)] } };
    } else if (DRAW_KINDS.includes(tool as ElementKind)) {
      this.gesture = { type: 'draw', pointerId: event.pointerId, element: { kind: tool as ElementKind, ...style, points: [round(p.x), round(p.y), round(p.x), round(p.y)] } };
    } else if (tool === 'eraser') {
      this.gesture = { type: 'erase', pointerId: event.pointerId, ids: new Set() };
      this.eraseAt(p);
    } else if (tool === 'text') {
      event.preventDefault();
      this.textAt = { x: p.x, y: p.y };
    }
    this.scheduleDraw();
  }

  private onPointerMove(event: PointerEvent): void {
    const p = this.toBoard(event);
    this.board?.setCursor({ x: p.x, y: p.y, laser: this.tool === 'laser', color: this.color });
    if (this.tool === 'laser') {
      this.localLaser.push({ x: p.x, y: p.y, at: performance.now() });
      this.scheduleDraw();
    }
    const gesture = this.gesture;
    if (!gesture || gesture.pointerId !== event.pointerId) return;
    if (gesture.type === 'pan') {
      this.view = { ...gesture.view, x: gesture.view.x + event.clientX - gesture.startX, y: gesture.view.y + event.clientY - gesture.startY };
    } else if (gesture.type === 'erase') {
      this.eraseAt(p);
    } else if (gesture.element.kind === 'pen' || gesture.element.kind === 'highlighter') {
      const points = gesture.element.points;
      const [lx, ly] = [points[points.length - 2]!, points[points.length - 1]!];
      if (Math.hypot(p.x - lx, p.y - ly) * this.view.scale >= 1 && points.length < 19_998) points.push(round(p.x), round(p.y));
    } else {
      gesture.element.points.splice(2, 2, round(p.x), round(p.y));
    }
    this.scheduleDraw();
  }

  private onPointerUp(event: PointerEvent): void {
    const gesture = this.gesture;
    if (!gesture || gesture.pointerId !== event.pointerId) return;
    this.gesture = undefined;
    if (gesture.type === 'draw') {
      const [x1, y1, x2, y2] = gesture.element.points;
      const degenerate = gesture.element.points.length === 4 && gesture.element.kind !== 'pen' && x1 === x2 && y1 === y2;
      if (!degenerate) this.board?.addElement(gesture.element);
    } else if (gesture.type === 'erase' && gesture.ids.size > 0) {
      this.board?.removeElements(gesture.ids);
    }
    this.scheduleDraw();
  }

  private onPointerLeave(): void {
    if (!this.gesture) this.board?.setCursor(null);
  }

  /** Erases along the segment from the previous pointer position, so a fast swipe misses nothing. */
  private eraseAt(p: { x: number; y: number }): void {
    const gesture = this.gesture;
    if (gesture?.type !== 'erase') return;
    const radius = Math.max(4, this.size) / this.view.scale;
    const from = gesture.last ?? p;
    const steps = Math.min(200, Math.max(1, Math.ceil(Math.hypot(p.x - from.x, p.y - from.y) / radius)));
    const elements = this.board?.elements() ?? [];
    for (let i = 1; i <= steps; i++) {
      const x = from.x + ((p.x - from.x) * i) / steps;
      const y = from.y + ((p.y - from.y) * i) / steps;
      for (const element of elements) if (!gesture.ids.has(element.id) && hitTest(element, x, y, radius)) gesture.ids.add(element.id);
    }
    gesture.last = { x: p.x, y: p.y };
  }

  private onWheel(event: WheelEvent): void {
    event.preventDefault();
    const p = this.toBoard(event);
    if (event.ctrlKey || event.metaKey) this.zoomBy(Math.exp(-event.deltaY / 300), { x: p.sx, y: p.sy });
    else this.view = { ...this.view, x: this.view.x - event.deltaX, y: this.view.y - event.deltaY };
  }

  private onStageKeyDown(event: KeyboardEvent): void {
    if (event.target !== this.stage) return;
    const step = 40;
    const moves: Record<string, [number, number]> = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    const move = moves[event.key];
    if (move) this.view = { ...this.view, x: this.view.x + move[0], y: this.view.y + move[1] };
    else if (event.key === '+' || event.key === '=') this.zoomBy(1.25);
    else if (event.key === '-') this.zoomBy(0.8);
    else if (event.key === '0') this.resetView();
    else return;
    event.preventDefault();
  }

  private readonly onHostKeyDown = (event: KeyboardEvent) => {
    const target = event.composedPath()[0];
    if (target instanceof HTMLTextAreaElement || (target instanceof HTMLInputElement && target.type === 'text')) return;
    if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
    const key = event.key.toLowerCase();
    if (key === 'z' && !event.shiftKey) this.undo();
    else if ((key === 'z' && event.shiftKey) || key === 'y') this.redo();
    else return;
    event.preventDefault();
  };

  private commitText(): void {
    const at = this.textAt;
    const text = this.textEditor?.value.trim() ?? '';
    this.textAt = undefined;
    if (at && text) this.board?.addElement({ kind: 'text', color: this.color, size: this.size, points: [round(at.x), round(at.y)], text: text.slice(0, 2000) });
    this.stage?.focus();
  }

  private onTextKeyDown(event: KeyboardEvent): void {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      this.commitText();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      this.textAt = undefined;
      this.stage?.focus();
    }
  }

  private async onDocumentFile(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file || !this.activeUploader) return;
    try {
      this.showDocument(await this.activeUploader(file));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.error = this.localize.t('wb.documentFailed', { reason });
      this.emitError('upload_failed', reason);
    }
  }

  private changePage(delta: number): void {
    const background = this.board?.background();
    if (!background || !this.loaded) return;
    const page = Math.min(this.loaded.pages, Math.max(1, background.page + delta));
    if (page !== background.page) this.board?.setBackground({ ...background, page });
  }

  /** Arrow keys move between toolbar controls (the ARIA toolbar pattern). */
  private onToolbarKeyDown(event: KeyboardEvent): void {
    if (!['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(event.key)) return;
    const target = event.composedPath()[0] as HTMLElement;
    if (target instanceof HTMLInputElement) return;
    const controls = [...this.renderRoot.querySelectorAll<HTMLElement>('.toolbar button:not([disabled])')];
    const index = controls.indexOf(target);
    if (index < 0) return;
    const next = { ArrowLeft: index - 1, ArrowRight: index + 1, Home: 0, End: controls.length - 1 }[event.key]!;
    controls[(next + controls.length) % controls.length]?.focus();
    event.preventDefault();
  }

  private button(name: IconName, label: string, onClick: () => void, options: { pressed?: boolean; disabled?: boolean; part?: string } = {}): TemplateResult {
    return html`<button
      class="button"
      type="button"
      part=${options.part ?? 'button'}
      data-action=${name}
      aria-label=${label}
      title=${label}
      aria-pressed=${options.pressed === undefined ? nothing : String(options.pressed)}
      ?disabled=${options.disabled ?? false}
      @click=${onClick}
    >
      ${icon(name)}
    </button>`;
  }

  override render(): TemplateResult {
    const sync = this.board;
    const background = sync?.background();
    const practitioner = sync?.role === 'practitioner';
    return html`<section class="base" part="base">
      <div class="toolbar" part="toolbar" role="toolbar" aria-label=${this.localize.t('wb.toolbar')} @keydown=${this.onToolbarKeyDown}>
        <div class="group">
          ${WHITEBOARD_TOOLS.map((tool) =>
            this.button(TOOL_ICONS[tool], this.localize.t(`wb.${tool}`), () => (this.tool = tool), { pressed: this.tool === tool, part: 'tool-button', disabled: !sync }),
          )}
        </div>
        <div class="group">
          <label class="field">${this.localize.t('wb.color')}
            <input type="color" .value=${this.color} @input=${(e: Event) => (this.color = (e.target as HTMLInputElement).value)} />
          </label>
          <label class="field">${this.localize.t('wb.size')}
            <input type="range" min="1" max="40" .value=${String(this.size)} @input=${(e: Event) => (this.size = Number((e.target as HTMLInputElement).value))} />
          </label>
        </div>
        <div class="group">
          ${this.button('undo', this.localize.t('wb.undo'), () => this.undo(), { disabled: !this.canUndo })}
          ${this.button('redo', this.localize.t('wb.redo'), () => this.redo(), { disabled: !this.canRedo })}
          ${practitioner ? this.button('clear', this.localize.t('wb.clear'), () => this.clear(), { disabled: this.count === 0 }) : nothing}
        </div>
        <div class="group">
          ${this.button('zoomOut', this.localize.t('wb.zoomOut'), () => this.zoomBy(0.8))}
          ${this.button('zoomIn', this.localize.t('wb.zoomIn'), () => this.zoomBy(1.25))}
          ${this.button('fit', this.localize.t('wb.zoomReset'), () => this.resetView())}
          ${this.button('export', this.localize.t('wb.export'), () => void this.downloadPng())}
        </div>
        <div class="group">
          ${this.activeUploader
            ? html`<input type="file" hidden accept="image/png,image/jpeg,application/pdf" @change=${this.onDocumentFile} />
                ${this.button('document', this.localize.t('wb.document'), () => this.fileInput?.click(), { disabled: !sync })}`
            : nothing}
          ${background ? this.button('removeDocument', this.localize.t('wb.removeDocument'), () => sync?.setBackground(undefined)) : nothing}
          ${background?.type === 'application/pdf' && this.loaded
            ? html`${this.button('previous', this.localize.t('wb.previousPage'), () => this.changePage(-1), { disabled: background.page <= 1 })}
                <span class="page">${this.localize.t('wb.page', { page: background.page, pages: this.loaded.pages })}</span>
                ${this.button('next', this.localize.t('wb.nextPage'), () => this.changePage(1), { disabled: background.page >= this.loaded.pages })}`
            : nothing}
        </div>
      </div>
      <div
        class="stage"
        part="stage"
        tabindex="0"
        role="application"
        aria-roledescription="whiteboard"
        aria-label=${this.localize.t('wb.board')}
        aria-describedby="summary"
        @keydown=${this.onStageKeyDown}
      >
        <canvas
          part="canvas"
          aria-hidden="true"
          @pointerdown=${this.onPointerDown}
          @pointermove=${this.onPointerMove}
          @pointerup=${this.onPointerUp}
          @pointercancel=${this.onPointerUp}
          @pointerleave=${this.onPointerLeave}
          @wheel=${this.onWheel}
        ></canvas>
        ${this.textAt
          ? html`<textarea
              class="text-editor"
              rows="1"
              aria-label=${this.localize.t('wb.textInput')}
              style="left:${this.textAt.x * this.view.scale + this.view.x}px;top:${this.textAt.y * this.view.scale + this.view.y}px;color:${this.color}"
              @keydown=${this.onTextKeyDown}
              @blur=${() => this.commitText()}
            ></textarea>`
          : nothing}
      </div>
      <div class="status" part="status">
        <span id="summary">${this.localize.t('wb.summary', { count: this.count })}${background ? ` · ${background.name}` : ''}</span>
        <span class="error" role="alert">${this.backgroundState === 'loading' ? this.localize.t('wb.loading') : this.error}</span>
      </div>
    </section>`;
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

VcWhiteboard.define('vc-whiteboard');

declare global {
  interface HTMLElementTagNameMap {
    'vc-whiteboard': VcWhiteboard;
  }
}

export type { BoardElement };
