import { nothing } from 'lit';
import { Directive, directive, PartType, type ElementPart, type PartInfo } from 'lit/directive.js';

/** Binds a MediaStreamTrack to a <video>/<audio> element, re-wrapping only when the track changes. */
class SrcObjectDirective extends Directive {
  private track?: MediaStreamTrack;

  constructor(info: PartInfo) {
    super(info);
    if (info.type !== PartType.ELEMENT) throw new Error('srcObject() must be used on an element');
  }

  render(_track: MediaStreamTrack | undefined) {
    return nothing;
  }

  override update(part: ElementPart, [track]: [MediaStreamTrack | undefined]) {
    const media = part.element as HTMLMediaElement;
    if (track !== this.track) {
      this.track = track;
      media.srcObject = track ? new MediaStream([track]) : null;
      if (track) void media.play().catch(() => undefined);
    }
    return nothing;
  }
}

export const srcObject = directive(SrcObjectDirective);
