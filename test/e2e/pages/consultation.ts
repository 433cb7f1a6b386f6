// A host page with one <vc-consultation> from the built embed bundle (/dist/videoconsult.js), configured from the
// query string: ?role=patient|practitioner&server=<token server>&token=<practitioner token>&livekit=<SFU url>
// &theme=light|dark&lang=en&resume=1 (a practitioner's call resumes after a reload). The host confirms "end for everyone" with window.confirm(), vetoing the
// cancelable vc-end-request when the user says no — the way an integrator would.
import type { VcConsultation } from '../../../src/components/consultation/consultation.js';

const params = new URLSearchParams(location.search);
const element = document.getElementById('consultation') as VcConsultation;

const api = {
  endRequests: [] as { confirmed: boolean }[],
  events: [] as string[],
  /** All text a user could be shown: text nodes and attribute values, through open shadow roots. */
  deepText(): string {
    const parts: string[] = [];
    const walk = (node: Node) => {
      if (node.nodeType === Node.TEXT_NODE) parts.push(node.textContent ?? '');
      if (node instanceof Element) {
        if (node.localName === 'style' || node.localName === 'script') return;
        for (const attribute of node.attributes) parts.push(attribute.value);
        if (node.shadowRoot) walk(node.shadowRoot);
      }
      for (const child of node.childNodes) walk(child);
    };
    walk(document.documentElement);
    return parts.join(' ');
  },
  receivedBytes: () => element.session.receivedBytes(),
  /** Resolves with how many frames the <video> presented (requestVideoFrameCallback), up to `wanted` within 15 s. */
  framesPresented(video: HTMLVideoElement, wanted: number): Promise<number> {
    return new Promise((resolve) => {
      let seen = 0;
      const timer = setTimeout(() => resolve(seen), 15_000);
      const onFrame = () => {
        seen += 1;
        if (seen >= wanted) {
          clearTimeout(timer);
          resolve(seen);
        } else {
          video.requestVideoFrameCallback(onFrame);
        }
      };
      video.requestVideoFrameCallback(onFrame);
    });
  },
};
declare global {
  interface Window {
    vcPage: typeof api;
  }
}
window.vcPage = api;

for (const type of ['vc-waiting', 'vc-admitted', 'vc-joined', 'vc-declined', 'vc-ended', 'vc-left', 'vc-error']) {
  element.addEventListener(type, () => api.events.push(type));
}
element.addEventListener('vc-end-request', (event) => {
  const confirmed = window.confirm('End the consultation for everyone?');
  api.endRequests.push({ confirmed });
  if (!confirmed) event.preventDefault();
});

const theme = params.get('theme');
if (theme === 'dark') document.body.classList.add('dark');
if (theme) element.setAttribute('theme', theme);
if (params.get('lang')) element.setAttribute('lang', params.get('lang')!);
if (params.get('livekit')) element.livekitUrl = params.get('livekit')!;
element.role = params.get('role') === 'practitioner' ? 'practitioner' : 'patient';
if (params.get('token')) element.practitionerToken = params.get('token')!;
if (params.get('resume')) element.resumeOnReload = true;
element.serverUrl = params.get('server') ?? '';
document.body.dataset.ready = 'true';
