/** Cancelable: the practitioner is about to clear the board. `preventDefault()` vetoes it. */
export class VcWhiteboardClearRequestEvent extends CustomEvent<Record<string, never>> {
  constructor() {
    super('vc-whiteboard-clear-request', { bubbles: true, composed: true, cancelable: true, detail: {} });
  }
}

/** A shared document (an image or a PDF page) was loaded and drawn as the board's background. */
export class VcWhiteboardDocumentShownEvent extends Event {
  constructor() {
    super('vc-whiteboard-document-shown', { bubbles: true, composed: true });
  }
}

declare global {
  interface HTMLElementEventMap {
    'vc-whiteboard-clear-request': VcWhiteboardClearRequestEvent;
    'vc-whiteboard-document-shown': VcWhiteboardDocumentShownEvent;
  }
}
