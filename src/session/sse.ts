/** A minimal server-sent-events parser (https://html.spec.whatwg.org/multipage/server-sent-events.html). */

export interface SseEvent {
  event: string;
  data: string;
  /** The last `id:` seen so far (SSE ids persist across events), if any. */
  id?: string;
}

/**
 * Longest line kept: far above anything the token server sends (a practitioner's queue of hundreds of
 * patients is tens of KiB). Without a bound, a stream without line ends (a wrong URL serving a big file)
 * would grow the buffer without limit and rescan it on every chunk.
 */
export const MAX_SSE_LINE = 1024 * 1024;

/** Feeds text chunks, yields complete events. Comment lines (`: ping`) and unknown fields are skipped. */
export class SseParser {
  private buffer = '';
  /** Inside an oversize line: everything up to its end is discarded, and the event it belonged to too. */
  private skippingLine = false;
  private eventType = '';
  private dataLines: string[] = [];
  private lastId?: string;

  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const events: SseEvent[] = [];
    let newline: number;
    while ((newline = this.nextLineEnd()) >= 0) {
      let line = this.buffer.slice(0, newline);
      // A lone "\r" or "\r\n" both end a line.
      const skip = this.buffer[newline] === '\r' && this.buffer[newline + 1] === '\n' ? 2 : 1;
      this.buffer = this.buffer.slice(newline + skip);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (this.skippingLine) {
        this.skippingLine = false;
        continue;
      }
      const event = this.processLine(line);
      if (event) events.push(event);
    }
    if (this.buffer.length > MAX_SSE_LINE) {
      console.warn(`[videoconsult] dropping an event stream line longer than ${MAX_SSE_LINE} characters`);
      this.buffer = '';
      this.skippingLine = true;
      this.eventType = '';
      this.dataLines = [];
    }
    return events;
  }

  private nextLineEnd(): number {
    const lf = this.buffer.indexOf('\n');
    const cr = this.buffer.indexOf('\r');
    // A trailing "\r" may be the first half of "\r\n": wait for more input.
    if (cr >= 0 && (lf < 0 || cr < lf)) return cr === this.buffer.length - 1 ? -1 : cr;
    return lf;
  }

  private processLine(line: string): SseEvent | undefined {
    if (line === '') {
      if (this.dataLines.length === 0) {
        this.eventType = '';
        return undefined;
      }
      const event: SseEvent = { event: this.eventType || 'message', data: this.dataLines.join('\n') };
      if (this.lastId !== undefined) event.id = this.lastId;
      this.eventType = '';
      this.dataLines = [];
      return event;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.eventType = value;
    else if (field === 'data') this.dataLines.push(value);
    else if (field === 'id' && !value.includes('\0')) this.lastId = value;
    return undefined;
  }
}
