/** A scripted token server for session tests: answers POSTs and lets a test push SSE events. */

export interface RecordedRequest {
  url: string;
  method: string;
  authorization: string | null;
  lastEventId: string | null;
  body: unknown;
}

type Responder = (request: RecordedRequest) => { status: number; body?: unknown };

export class FakeServer {
  readonly requests: RecordedRequest[] = [];
  private readonly responders = new Map<string, Responder>();
  private streams: ReadableStreamDefaultController<Uint8Array>[] = [];
  private readonly encoder = new TextEncoder();
  streamStatus = 200;
  streamOpens = 0;

  on(path: string, responder: Responder): this {
    this.responders.set(path, responder);
    return this;
  }

  /** Writes raw SSE text to every open stream. */
  send(raw: string): void {
    for (const stream of this.streams) stream.enqueue(this.encoder.encode(raw));
  }

  event(type: string, data: unknown): void {
    this.send(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends every open stream as a dropped connection would. */
  dropStreams(): void {
    for (const stream of this.streams) stream.close();
    this.streams = [];
  }

  get openStreams(): number {
    return this.streams.length;
  }

  readonly fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input));
    const headers = new Headers(init.headers);
    const request: RecordedRequest = {
      url: url.pathname,
      method: init.method ?? 'GET',
      authorization: headers.get('Authorization'),
      lastEventId: headers.get('Last-Event-ID'),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    this.requests.push(request);
    if (url.pathname.endsWith('/events')) {
      this.streamOpens += 1;
      if (this.streamStatus !== 200) {
        return new Response(JSON.stringify({ error: { code: 'invalid_ticket', message: 'The ticket is not valid.' } }), {
          status: this.streamStatus,
        });
      }
      let controller!: ReadableStreamDefaultController<Uint8Array>;
      const body = new ReadableStream<Uint8Array>({
        start: (c) => {
          controller = c;
        },
        cancel: () => {
          this.streams = this.streams.filter((s) => s !== controller);
        },
      });
      this.streams.push(controller);
      init.signal?.addEventListener('abort', () => {
        this.streams = this.streams.filter((s) => s !== controller);
      });
      return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
    }
    const responder = this.responders.get(url.pathname);
    const answer = responder ? responder(request) : { status: 404, body: { error: { code: 'not_found', message: 'Not found.' } } };
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), { status: answer.status });
  };
}

export async function until(condition: () => boolean, what = 'condition'): Promise<void> {
  // Polls without a deadline of its own: mocha's test timeout is the only limit.
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
  void what;
}
