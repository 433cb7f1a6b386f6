import { nothing } from 'lit';
import { AsyncDirective } from 'lit/async-directive.js';
import { directive, PartType, type ElementPart, type PartInfo } from 'lit/directive.js';
import { showTrack } from '../session/media-attach.js';

/**
 * Binds a MediaStreamTrack to a <video>/<audio> element, re-binding only when the track changes. Remote
 * videos go through their call room's `attach()` (see media-attach.ts) so adaptive stream sees the element;
 * the binding is dropped when the element leaves the page and restored when it comes back.
 */
class SrcObjectDirective extends AsyncDirective {
  private track?: MediaStreamTrack;
  private element?: HTMLMediaElement;
  private stop?: () => void;

  constructor(info: PartInfo) {
    super(info);
    if (info.type !== PartType.ELEMENT) throw new Error('srcObject() must be used on an element');
  }

  render(_track: MediaStreamTrack | undefined) {
    return nothing;
  }

  override update(part: ElementPart, [track]: [MediaStreamTrack | undefined]) {
    this.element = part.element as HTMLMediaElement;
    if (track !== this.track) {
      this.track = track;
      this.bind();
    }
    return nothing;
  }

  private bind(): void {
    this.stop?.();
    this.stop = undefined;
    const { element, track } = this;
    if (!element) return;
    if (!track) {
      element.srcObject = null;
      return;
    }
    this.stop = showTrack(element, track);
    void element.play().catch(() => undefined);
  }

  protected override disconnected(): void {
    this.stop?.();
    this.stop = undefined;
  }

  protected override reconnected(): void {
    this.bind();
  }
}

export const srcObject = directive(SrcObjectDirective);
