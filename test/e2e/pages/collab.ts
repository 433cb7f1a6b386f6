// A host page that uses the built embed bundle (dist/videoconsult.js, with its lazily loaded whiteboard chunk,
// pdf.js and both workers from dist/) the way an integrator would: the session core for the flow, and
// standalone <vc-chat> / <vc-whiteboard> elements that find that session through their `.session` property.
// `window.vc` mirrors session.ts, so the shared flows (flows.ts) drive it; `window.collab` is the rest.
import type * as Sdk from '../../../src/index.js';
import type { ConsultationSession, SessionConfig } from '../../../src/session/index.js';
import type { VcChat } from '../../../src/components/chat/chat.js';
import type { VcWhiteboard } from '../../../src/components/whiteboard/whiteboard.js';

const sdkUrl = '/dist/videoconsult.js';
const sdk = (await import(/* a runtime URL: esbuild must not bundle src/ here */ sdkUrl)) as typeof Sdk;

const vc = {
  session: undefined as ConsultationSession | undefined,
  states: [] as string[],
  create(config: SessionConfig) {
    // No createE2EEWorker: the bundle's default, dist/livekit-e2ee-worker.mjs beside it.
    const session = new sdk.ConsultationSession(config);
    session.addEventListener('statechange', (e) => vc.states.push((e as CustomEvent<{ state: string }>).detail.state));
    vc.session = session;
    // The chat is on the page from the start (as in a host layout), before the call connects; a host that
    // places <vc-chat> itself loads it (it is not part of the bundle's first load).
    void sdk.loadChat();
    const chat = document.createElement('vc-chat') as VcChat;
    chat.session = session;
    document.body.append(chat);
    return true;
  },
  state: () => vc.session?.snapshot.state,
  snapshot: () =>
    JSON.parse(
      JSON.stringify({
        ...vc.session?.snapshot,
        dataTransport: undefined,
        participants: vc.session?.snapshot.participants.map((p) => ({ ...p, camera: undefined, screen: undefined })),
      }),
    ),
  remoteVideoPlaying: async () => false,
};

const documentsShown: string[] = [];
document.addEventListener('vc-whiteboard-document-shown', () => documentsShown.push(new Date().toISOString()));
const errors: Array<{ code: string; message: string }> = [];
document.addEventListener('vc-error', (e) => errors.push({ ...(e as CustomEvent<{ code: string; message: string }>).detail }));

function chatElement(): VcChat {
  return document.querySelector('vc-chat')!;
}

function board(): VcWhiteboard | null {
  return document.querySelector('vc-whiteboard');
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

const collab = {
  /** What the chat element shows, in order: sender name as rendered, text, whether marked as history, the role mark. */
  shownMessages(): Array<{ name: string; text: string; history: boolean; role: string | null }> {
    return [...(chatElement().shadowRoot?.querySelectorAll('li.message') ?? [])].map((li) => ({
      name: li.querySelector('.name')?.textContent?.trim() ?? '',
      text: li.querySelector('.text')?.textContent?.trim() ?? '',
      history: li.classList.contains('history'),
      role: (li as HTMLElement).dataset.role ?? null,
    }));
  },
  historyDividerShown: () => !!chatElement().shadowRoot?.querySelector('li.divider'),
  chatReady: () =>
    !!vc.session && !!sdk.collaborationFor(vc.session).chat && !chatElement().shadowRoot?.querySelector('textarea')?.disabled,
  /** The user opens the whiteboard: the lazy chunk loads and the element joins the session's board. */
  async openBoard(): Promise<boolean> {
    await sdk.loadWhiteboard();
    const element = document.createElement('vc-whiteboard') as VcWhiteboard;
    element.session = vc.session!;
    document.body.prepend(element);
    await element.updateComplete;
    return true;
  },
  /** The session's board document as canonical JSON (elements sorted by id, keys sorted). */
  boardJson(): string {
    const sync = vc.session ? sdk.collaborationFor(vc.session).whiteboard : undefined;
    if (!sync) return 'no board';
    const elements = [...sync.elements()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return JSON.stringify(sortKeys({ elements, background: sync.background() ?? null }));
  },
  boardCount: () => (vc.session ? (sdk.collaborationFor(vc.session).whiteboard?.elements().length ?? -1) : -1),
  boardSynced: () => !!board() && !!vc.session && !!sdk.collaborationFor(vc.session).whiteboard,
  /** Canvas pixels in a rectangle (CSS px of the canvas) that are near black (the test PDF's filled square). */
  darkPixels(x: number, y: number, w: number, h: number): number {
    const canvas = board()?.shadowRoot?.querySelector('canvas');
    if (!canvas) return -1;
    const dpr = window.devicePixelRatio || 1;
    board()!.draw();
    const data = canvas.getContext('2d')!.getImageData(x * dpr, y * dpr, w * dpr, h * dpr).data;
    let dark = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3]! > 200 && data[i]! < 60 && data[i + 1]! < 60 && data[i + 2]! < 60) dark += 1;
    return dark;
  },
  /** Pixels of the given colour anywhere on the canvas (strokes drawn by someone). */
  colouredPixels(hex: string): number {
    const canvas = board()?.shadowRoot?.querySelector('canvas');
    if (!canvas) return -1;
    board()!.draw();
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3]! > 200 && Math.abs(data[i]! - r!) < 12 && Math.abs(data[i + 1]! - g!) < 12 && Math.abs(data[i + 2]! - b!) < 12)
        count += 1;
    }
    return count;
  },
  documentsShown: () => documentsShown.length,
  backgroundName: () => (vc.session ? (sdk.collaborationFor(vc.session).whiteboard?.background()?.name ?? '') : ''),
  errors: () => errors,
  /** URLs of the scripts this page loaded (proves what came from dist/ and when). */
  loadedScripts: () =>
    performance
      .getEntriesByType('resource')
      .map((e) => e.name)
      .filter((n) => /\.m?js($|\?)/.test(n)),
};

declare global {
  interface Window {
    collab: typeof collab;
  }
}
window.vc = vc as unknown as Window['vc'];
window.collab = collab;
document.body.dataset.ready = 'true';
