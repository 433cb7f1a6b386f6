/**
 * Module workers from wherever the SDK was loaded. A page may only construct a worker from its own origin, so
 * when the SDK comes from another origin (one `<script type="module" src="https://consult.example.com/…">` on
 * the host's page) the worker starts from a same-origin `blob:` URL whose module imports the real worker by its
 * absolute URL (served with CORS). The host's CSP must then allow it: {@link WORKER_CSP}.
 */

/** Error code when the host page's Content-Security-Policy forbids the worker. */
export const WORKER_BLOCKED = 'worker_blocked';

/** The CSP directive a host page needs for the SDK's workers (README, "Content-Security-Policy"). */
export const workerCsp = (workerUrl: URL): string => `worker-src blob: ${workerUrl.origin}`;

/** Posted by the bootstrap once the real worker module has run: a positive sign it loaded. */
const READY = '__vc_worker_ready__';

/**
 * Starts `url` as a module worker. Same-origin: directly. Cross-origin: through a `blob:` bootstrap, and
 * resolves only once the worker module has loaded, so a CSP refusal surfaces here as an error with the code
 * {@link WORKER_BLOCKED} and the directive to add, instead of as a call or document that never starts.
 */
export function startModuleWorker(url: string | URL): Promise<Worker> {
  const target = new URL(url, document.baseURI);
  if (target.origin === location.origin) return Promise.resolve(new Worker(target, { type: 'module' }));
  const source = `import ${JSON.stringify(target.href)};\nself.postMessage(${JSON.stringify(READY)});\n`;
  const blobUrl = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  return new Promise<Worker>((resolve, reject) => {
    let violated = false;
    const onViolation = (event: SecurityPolicyViolationEvent): void => {
      if (event.blockedURI === 'blob' || event.blockedURI.startsWith('blob:') || event.blockedURI.startsWith(target.origin))
        violated = true;
    };
    const done = (): void => {
      document.removeEventListener('securitypolicyviolation', onViolation);
      URL.revokeObjectURL(blobUrl);
    };
    const fail = (reason: string): void => {
      done();
      reject(blocked(target, violated, reason));
    };
    document.addEventListener('securitypolicyviolation', onViolation);
    let worker: Worker;
    try {
      worker = new Worker(blobUrl, { type: 'module' });
    } catch (error) {
      violated ||= error instanceof DOMException && error.name === 'SecurityError';
      fail(String(error));
      return;
    }
    const onMessage = (event: MessageEvent): void => {
      if (event.data !== READY) return;
      // Later messages belong to whoever receives the worker (livekit-client, pdf.js).
      event.stopImmediatePropagation();
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
      done();
      resolve(worker);
    };
    const onError = (event: Event): void => {
      event.preventDefault();
      worker.removeEventListener('message', onMessage);
      worker.terminate();
      // The violation event may be queued after the worker's error: give it one turn to arrive.
      setTimeout(() => fail(event instanceof ErrorEvent && event.message ? event.message : 'the worker script did not load'), 0);
    };
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
  });
}

function blocked(target: URL, violated: boolean, reason: string): Error & { code: string } {
  const message = violated
    ? `This page's Content-Security-Policy does not allow the videoconsult worker ${target.href}. ` +
      `Add "${workerCsp(target)}" to the page's Content-Security-Policy.`
    : `The videoconsult worker ${target.href} could not be loaded (${reason}). It must be served with CORS, and ` +
      `a Content-Security-Policy must allow "${workerCsp(target)}".`;
  return Object.assign(new Error(message), { code: WORKER_BLOCKED });
}
