// Over 400 lines on purpose: what is left is the element's API (properties, public methods, the JSDoc the
// manifest is generated from) and its template. The logic lives beside it: viewport.ts and gestures.ts (pure),
// keyboard.ts, canvas-loop.ts and background-controller.ts (reactive controllers), export.ts.
import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { VcWhiteboardClearRequestEvent, VcWhiteboardDocumentShownEvent } from '../../events/whiteboard.js';
import { saveBlob } from '../../internal/save-blob.js';
import { VcSessionElement } from '../../internal/session-element.js';
import { VcElement } from '../../internal/vc-element.js';
import type { AttachmentFetcher, ChatAttachment, Uploader } from '../../session/chat.js';
import { followCollaboration, type Collaboration } from '../../session/collaboration.js';
import type { BoardElement, RemoteCursor, WhiteboardSync } from '../../session/whiteboard-sync.js';
import { DocumentBackgroundController } from './background-controller.js';
import { CanvasLoopController } from './canvas-loop.js';
import { boardToPng, exportFileName } from './export.js';
import {
  WHITEBOARD_TOOLS,
  beginGesture,
  continueGesture,
  eraseAlong,
  eraserRadius,
  finishGesture,
  roundCoordinate,
  type Gesture,
  type PointerSample,
  type WhiteboardTool,
} from './gestures.js';
import { icon, type IconName } from './icons.js';
import { historyShortcut, moveToolbarFocus } from './keyboard.js';
import { drawCursors, drawElement } from './render.js';
import { INITIAL_VIEW, toBoard, toScreen, viewForKey, viewForWheel, zoomAround, type View } from './viewport.js';
import { whiteboardStyles } from './whiteboard.styles.js';
import { addEnglish } from '../../controllers/localize.js';
import { enWhiteboard } from '../../translations/en-whiteboard.js';

addEnglish(enWhiteboard);

export { WHITEBOARD_TOOLS, type WhiteboardTool };

const TOOL_ICONS: Record<WhiteboardTool, IconName> = {
  pen: 'pen',
  highlighter: 'highlighter',
  eraser: 'eraser',
  line: 'line',
  arrow: 'arrow',
  rect: 'rect',
  ellipse: 'ellipse',
  text: 'text',
  pan: 'pan',
  laser: 'laser',
};
/** How long the local laser trail stays visible, in ms. */
const LASER_TRAIL_MS = 1000;

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

  @state() private view: View = { ...INITIAL_VIEW };
  @state() private canUndo = false;
  @state() private canRedo = false;
  @state() private textAt?: { x: number; y: number };
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
  private detach?: () => void;
  private localLaser: Array<{ x: number; y: number; at: number }> = [];
  private readonly loop = new CanvasLoopController(
    this,
    () => ({ stage: this.stage, canvas: this.canvas }),
    (ctx, dpr) => this.paint(ctx, dpr),
  );
  private readonly background = new DocumentBackgroundController(this, {
    fetcher: () => this.fetchAttachment ?? this.collaboration?.fetchAttachment,
    pdfWorkerSrc: () => this.pdfWorkerSrc,
    onLoading: () => (this.error = ''),
    onShown: () => this.dispatchEvent(new VcWhiteboardDocumentShownEvent()),
    onFailed: (reason) => {
      this.error = this.localize.t('wb.documentFailed', { reason });
      this.emitError('document_failed', reason);
    },
  });

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
  }

  override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('tool')) this.validateOneOf('tool', this.tool, WHITEBOARD_TOOLS);
    this.collaboration = followCollaboration(this.collaboration, this.sessions.session, this.onCollaborationChange);
    const collaboration = this.collaboration;
    // Shown standalone or in a consultation, the board is open: start the session's sync (once in the call).
    if (!this.sync && collaboration && !collaboration.whiteboard && collaboration.chat)
      void collaboration.openWhiteboard().catch(() => undefined);
    if ((this.sync ?? collaboration?.whiteboard) !== this.board) this.attachSync();
  }

  override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    if (changed.has('tool') && this.tool !== 'laser') this.localLaser = [];
    if (changed.has('textAt' as keyof VcWhiteboard) && this.textAt) this.textEditor?.focus();
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

  /** Zooms around a point of the stage (its centre by default). */
  zoomBy(factor: number, around?: { x: number; y: number }): void {
    this.view = zoomAround(this.view, factor, around?.x ?? this.stageCenter.x, around?.y ?? this.stageCenter.y);
  }

  resetView(): void {
    this.view = { ...INITIAL_VIEW };
  }

  /** Shows an already uploaded image or PDF (e.g. from the chat) as everyone's background. */
  showDocument(attachment: Pick<ChatAttachment, 'id' | 'name' | 'type'>, page = 1): void {
    this.board?.setBackground({ id: attachment.id, name: attachment.name, type: attachment.type, page });
  }

  /** The whole board (drawing and document) as a PNG. Stays on this device unless the caller sends it. */
  async exportPng(): Promise<Blob> {
    return boardToPng(this.board?.elements() ?? [], this.background.loaded);
  }

  /** Saves the PNG through a local download link; nothing is uploaded. */
  async downloadPng(): Promise<void> {
    saveBlob(await this.exportPng(), exportFileName());
  }

  /** Draws now (normally batched per animation frame). */
  draw(): void {
    this.loop.drawNow();
  }

  // --- internals --------------------------------------------------------------------------------------------

  private get stageCenter(): { x: number; y: number } {
    return { x: (this.stage?.clientWidth ?? 0) / 2, y: (this.stage?.clientHeight ?? 0) / 2 };
  }

  /** One frame: the document, the elements (minus what the eraser holds), the draft, then cursors and lasers. */
  private paint(ctx: CanvasRenderingContext2D, dpr: number): boolean {
    const { x, y, scale } = this.view;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    ctx.setTransform(dpr * scale, 0, 0, dpr * scale, dpr * x, dpr * y);
    const loaded = this.background.loaded;
    if (loaded) ctx.drawImage(loaded.source, 0, 0, loaded.width, loaded.height);
    const erasing = this.gesture?.type === 'erase' ? this.gesture.ids : undefined;
    for (const element of this.board?.elements() ?? []) if (!erasing?.has(element.id)) drawElement(ctx, element);
    if (this.gesture?.type === 'draw') drawElement(ctx, { ...this.gesture.element, id: 'draft', author: '' }, true);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const now = performance.now();
    const cursors: RemoteCursor[] = [...(this.board?.cursors() ?? [])];
    this.localLaser = this.localLaser.filter((p) => now - p.at < LASER_TRAIL_MS);
    const last = this.localLaser.at(-1);
    if (last)
      cursors.push({
        identity: '',
        name: this.board?.transport.localName ?? '',
        x: last.x,
        y: last.y,
        laser: true,
        color: this.color,
        trail: this.localLaser,
        at: now,
      });
    // Remote trails carry Date.now() times; ours performance.now(): draw each against its own clock.
    drawCursors(
      ctx,
      cursors.filter((c) => c.identity),
      this.view,
      Date.now(),
    );
    drawCursors(
      ctx,
      cursors.filter((c) => !c.identity),
      this.view,
      now,
    );
    return cursors.some((c) => c.laser);
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
      this.canUndo = sync.canUndo;
      this.canRedo = sync.canRedo;
      this.background.follow(sync.background());
      this.loop.schedule();
    };
    const onCursors = () => this.loop.schedule();
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

  /** A pointer event in stage (screen) and board coordinates. */
  private sample(event: PointerEvent | WheelEvent): PointerSample & { sx: number; sy: number } {
    const rect = this.stage!.getBoundingClientRect();
    const [sx, sy] = [event.clientX - rect.left, event.clientY - rect.top];
    const pointerId = event instanceof PointerEvent ? event.pointerId : -1;
    return { pointerId, clientX: event.clientX, clientY: event.clientY, sx, sy, ...toBoard(this.view, sx, sy) };
  }

  private get eraser(): { elements: readonly BoardElement[]; radius: number } {
    return { elements: this.board?.elements() ?? [], radius: eraserRadius(this.size, this.view) };
  }

  private onPointerDown(event: PointerEvent): void {
    if (!this.board || this.gesture) return;
    if (event.pointerType === 'mouse' && event.button !== 0 && event.button !== 1) return;
    try {
      (event.target as Element).setPointerCapture(event.pointerId);
    } catch {
      // Synthetic pointers (tests) cannot be captured.
    }
    const sample = this.sample(event);
    const { gesture, textAt } = beginGesture(
      event.button === 1 ? 'pan' : this.tool,
      sample,
      { color: this.color, size: this.size },
      this.view,
    );
    this.gesture = gesture;
    if (gesture?.type === 'erase') eraseAlong(gesture, sample, this.eraser.elements, this.eraser.radius);
    if (textAt) {
      event.preventDefault();
      this.textAt = textAt;
    }
    this.loop.schedule();
  }

  private onPointerMove(event: PointerEvent): void {
    const sample = this.sample(event);
    this.board?.setCursor({ x: sample.x, y: sample.y, laser: this.tool === 'laser', color: this.color });
    if (this.tool === 'laser') {
      this.localLaser.push({ x: sample.x, y: sample.y, at: performance.now() });
      this.loop.schedule();
    }
    const gesture = this.gesture;
    if (!gesture || gesture.pointerId !== event.pointerId) return;
    const view = continueGesture(gesture, sample, this.view, this.eraser);
    if (view) this.view = view;
    this.loop.schedule();
  }

  private onPointerUp(event: PointerEvent): void {
    const gesture = this.gesture;
    if (!gesture || gesture.pointerId !== event.pointerId) return;
    this.gesture = undefined;
    const { add, remove } = finishGesture(gesture);
    if (add) this.board?.addElement(add);
    if (remove) this.board?.removeElements(remove);
    this.loop.schedule();
  }

  private onPointerLeave(): void {
    if (!this.gesture) this.board?.setCursor(null);
  }

  private onWheel(event: WheelEvent): void {
    event.preventDefault();
    const { sx, sy } = this.sample(event);
    this.view = viewForWheel(this.view, event, { x: sx, y: sy });
  }

  private onStageKeyDown(event: KeyboardEvent): void {
    if (event.target !== this.stage) return;
    const view = viewForKey(this.view, event.key, this.stageCenter);
    if (!view) return;
    this.view = view;
    event.preventDefault();
  }

  private readonly onHostKeyDown = (event: KeyboardEvent) => {
    const action = historyShortcut(event);
    if (!action) return;
    if (action === 'undo') this.undo();
    else this.redo();
    event.preventDefault();
  };

  private commitText(): void {
    const at = this.textAt;
    const text = this.textEditor?.value.trim() ?? '';
    this.textAt = undefined;
    if (at && text) {
      this.board?.addElement({
        kind: 'text',
        color: this.color,
        size: this.size,
        points: [roundCoordinate(at.x), roundCoordinate(at.y)],
        text: text.slice(0, 2000),
      });
    }
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
    const loaded = this.background.loaded;
    if (!background || !loaded) return;
    const page = Math.min(loaded.pages, Math.max(1, background.page + delta));
    if (page !== background.page) this.board?.setBackground({ ...background, page });
  }

  /** Arrow keys move between toolbar controls (the ARIA toolbar pattern). */
  private onToolbarKeyDown(event: KeyboardEvent): void {
    if (moveToolbarFocus(event, [...this.renderRoot.querySelectorAll<HTMLElement>('.toolbar button:not([disabled])')]))
      event.preventDefault();
  }

  private button(
    name: IconName,
    label: string,
    onClick: () => void,
    options: { pressed?: boolean; disabled?: boolean; part?: string } = {},
  ): TemplateResult {
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
    const loaded = this.background.loaded;
    const textAt = this.textAt && toScreen(this.view, this.textAt.x, this.textAt.y);
    const practitioner = sync?.role === 'practitioner';
    return html`<section class="base" part="base">
      <div class="toolbar" part="toolbar" role="toolbar" aria-label=${this.localize.t('wb.toolbar')} @keydown=${this.onToolbarKeyDown}>
        <div class="group">
          ${WHITEBOARD_TOOLS.map((tool) =>
            this.button(TOOL_ICONS[tool], this.localize.t(`wb.${tool}`), () => (this.tool = tool), {
              pressed: this.tool === tool,
              part: 'tool-button',
              disabled: !sync,
            }),
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
          ${
            this.activeUploader
              ? html`<input type="file" hidden accept="image/png,image/jpeg,application/pdf" @change=${this.onDocumentFile} />
                ${this.button('document', this.localize.t('wb.document'), () => this.fileInput?.click(), { disabled: !sync })}`
              : nothing
          }
          ${background ? this.button('removeDocument', this.localize.t('wb.removeDocument'), () => sync?.setBackground(undefined)) : nothing}
          ${
            background?.type === 'application/pdf' && loaded
              ? html`${this.button('previous', this.localize.t('wb.previousPage'), () => this.changePage(-1), { disabled: background.page <= 1 })}
                <span class="page">${this.localize.t('wb.page', { page: background.page, pages: loaded.pages })}</span>
                ${this.button('next', this.localize.t('wb.nextPage'), () => this.changePage(1), { disabled: background.page >= loaded.pages })}`
              : nothing
          }
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
        ${
          textAt
            ? html`<textarea
              class="text-editor"
              rows="1"
              aria-label=${this.localize.t('wb.textInput')}
              style="left:${textAt.x}px;top:${textAt.y}px;color:${this.color}"
              @keydown=${this.onTextKeyDown}
              @blur=${() => this.commitText()}
            ></textarea>`
            : nothing
        }
      </div>
      <div class="status" part="status">
        <span id="summary">${this.localize.t('wb.summary', { count: this.count })}${background ? ` · ${background.name}` : ''}</span>
        <span class="error" role="alert">${this.background.state === 'loading' ? this.localize.t('wb.loading') : this.error}</span>
      </div>
    </section>`;
  }
}

VcWhiteboard.define('vc-whiteboard');

declare global {
  interface HTMLElementTagNameMap {
    'vc-whiteboard': VcWhiteboard;
  }
}

export type { BoardElement };
