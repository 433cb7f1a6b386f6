import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { AttachmentFetcher } from '../../session/chat.js';
import type { BoardBackground } from '../../session/whiteboard-sync.js';
import { BackgroundLoader, defaultPdfWorkerSrc, type LoadedBackground } from './background.js';

export type BackgroundState = 'none' | 'loading' | 'ready' | 'failed';

export interface DocumentBackgroundOptions {
  /** Fetches the shared document with the participant's token. */
  fetcher: () => AttachmentFetcher | undefined;
  /** Where pdf.js loads its worker from; empty for the default next to this module. */
  pdfWorkerSrc: () => string;
  /** A load starts (the host clears an old error). */
  onLoading(): void;
  onShown(): void;
  onFailed(reason: string): void;
}

/**
 * The board's document background: follows the board's `background()` (id and page), loads and rasterises it
 * (images, PDF pages through pdf.js), drops a load that a newer choice overtook, and releases the open PDF
 * when the host leaves the page.
 */
export class DocumentBackgroundController implements ReactiveController {
  /** The background as drawn, once ready. */
  loaded?: LoadedBackground;
  state: BackgroundState = 'none';
  private readonly loader: BackgroundLoader;
  private pending?: { key: string; abort: AbortController };

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly options: DocumentBackgroundOptions,
  ) {
    host.addController(this);
    this.loader = new BackgroundLoader(options.fetcher, () => options.pdfWorkerSrc() || defaultPdfWorkerSrc());
  }

  hostDisconnected(): void {
    this.pending?.abort.abort();
    void this.loader.dispose();
  }

  /** Shows `background` (or none); a no-op while that very document and page is already shown or loading. */
  follow(background: BoardBackground | undefined): void {
    const key = background ? `${background.id}:${background.page}` : undefined;
    if (key === this.loaded?.key && this.state === 'ready') return;
    if (!background || !key) {
      this.pending?.abort.abort();
      this.set(undefined, 'none');
      return;
    }
    if (this.state === 'loading' && this.pending?.key === key) return;
    void this.load(background, key);
  }

  private async load(background: BoardBackground, key: string): Promise<void> {
    this.pending?.abort.abort();
    const pending = { key, abort: new AbortController() };
    this.pending = pending;
    this.set(this.loaded, 'loading');
    this.options.onLoading();
    const signal = pending.abort.signal;
    try {
      const loaded = await this.loader.load(background, signal);
      if (signal.aborted) return;
      this.set(loaded, 'ready');
      this.options.onShown();
    } catch (error) {
      if (signal.aborted) return;
      this.set(this.loaded, 'failed');
      this.options.onFailed(error instanceof Error ? error.message : String(error));
    }
  }

  private set(loaded: LoadedBackground | undefined, state: BackgroundState): void {
    this.loaded = loaded;
    this.state = state;
    this.host.requestUpdate();
  }
}
