import type { AttachmentFetcher } from '../../session/chat.js';
import type { BoardBackground } from '../../session/whiteboard-sync.js';
import { startModuleWorker } from '../../internal/module-worker.js';

export interface LoadedBackground {
  /** `id:page`: what was loaded. */
  key: string;
  source: CanvasImageSource;
  width: number;
  height: number;
  pages: number;
}

type PdfModule = typeof import('pdfjs-dist');
type PdfDocument = Awaited<ReturnType<PdfModule['getDocument']>['promise']>;

let pdfModule: Promise<PdfModule> | undefined;
let pdfWorker: { src: string; port: Promise<Worker> } | undefined;

/**
 * pdf.js is big: it is imported the first time a PDF is shown, never before. Its worker must come from our
 * own origin (no CDN): by default the file next to this module — copy `pdfjs-dist/build/pdf.worker.min.mjs`
 * there when bundling — or wherever `pdf-worker-src` says. pdf.js gets it as a ready worker (`workerPort`),
 * so an SDK loaded from another origin than the page still can start it (internal/module-worker.ts).
 */
export async function loadPdfJs(workerSrc: string): Promise<PdfModule> {
  pdfModule ??= import('pdfjs-dist');
  if (pdfWorker?.src !== workerSrc) {
    const port = startModuleWorker(workerSrc);
    pdfWorker = { src: workerSrc, port };
    // A refused worker is retried at the next document (the page's CSP may have been fixed meanwhile).
    port.catch(() => {
      if (pdfWorker?.port === port) pdfWorker = undefined;
    });
  }
  const [pdfjs, port] = await Promise.all([pdfModule, pdfWorker.port]);
  if (pdfjs.GlobalWorkerOptions.workerPort !== port) pdfjs.GlobalWorkerOptions.workerPort = port;
  return pdfjs;
}

export function defaultPdfWorkerSrc(): string {
  return new URL('./pdf.worker.min.mjs', import.meta.url).href;
}

/** Pixels per PDF point when rasterising a page (board units = rendered pixels). */
const PDF_SCALE = 1.5;
const MAX_PDF_BYTES = 50 * 1024 * 1024;

/** Loads and rasterises backgrounds, keeping the last PDF open for page changes. */
export class BackgroundLoader {
  private pdf?: { id: string; doc: PdfDocument };

  constructor(
    private readonly fetcher: () => AttachmentFetcher | undefined,
    private readonly workerSrc: () => string,
  ) {}

  async load(background: BoardBackground, signal: AbortSignal): Promise<LoadedBackground> {
    const key = `${background.id}:${background.page}`;
    if (background.type === 'application/pdf') return this.loadPdfPage(background, key, signal);
    const blob = await this.fetch(background, signal);
    const bitmap = await createImageBitmap(blob);
    return { key, source: bitmap, width: bitmap.width, height: bitmap.height, pages: 1 };
  }

  async dispose(): Promise<void> {
    const pdf = this.pdf;
    this.pdf = undefined;
    await pdf?.doc.destroy().catch(() => undefined);
  }

  private async fetch(background: BoardBackground, signal: AbortSignal): Promise<Blob> {
    const fetcher = this.fetcher();
    if (!fetcher) throw new Error('No fetchAttachment is set, so the shared document cannot be loaded.');
    return fetcher({ id: background.id, type: background.type }, { signal });
  }

  private async loadPdfPage(background: BoardBackground, key: string, signal: AbortSignal): Promise<LoadedBackground> {
    if (this.pdf?.id !== background.id) {
      await this.dispose();
      const blob = await this.fetch(background, signal);
      if (blob.size > MAX_PDF_BYTES) throw new Error('The PDF is too large to show.');
      const pdfjs = await loadPdfJs(this.workerSrc());
      const data = new Uint8Array(await blob.arrayBuffer());
      // No eval of font programs, no scripting, no external resources (fonts, cmaps): nothing leaves the page.
      const doc = await pdfjs.getDocument({ data, isEvalSupported: false, enableXfa: false, disableAutoFetch: true, stopAtErrors: false })
        .promise;
      if (signal.aborted) {
        await doc.destroy();
        throw signal.reason;
      }
      this.pdf = { id: background.id, doc };
    }
    const doc = this.pdf!.doc;
    const page = await doc.getPage(Math.min(Math.max(1, background.page), doc.numPages));
    const viewport = page.getViewport({ scale: PDF_SCALE });
    const canvas = document.createElement('canvas');
    canvas.width = Math.ceil(viewport.width);
    canvas.height = Math.ceil(viewport.height);
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    await page.render({ canvasContext: ctx, viewport }).promise;
    return { key, source: canvas, width: canvas.width, height: canvas.height, pages: doc.numPages };
  }
}
