import { css } from 'lit';

export const whiteboardStyles = css`
  :host {
    --_wb-bg: var(--vc-whiteboard-background, var(--_vc-surface));
    --_wb-board: var(--vc-whiteboard-board-color, #ffffff);
    --_wb-gap: var(--vc-whiteboard-gap, var(--_vc-space-xs));
    --_wb-padding: var(--vc-whiteboard-padding, var(--_vc-space-s));
    --_wb-radius: var(--vc-whiteboard-radius, var(--_vc-radius-m));
    --_wb-height: var(--vc-whiteboard-height, 30rem);
    --_wb-pressed: var(--vc-whiteboard-pressed-background, var(--_vc-primary));
    --_wb-on-pressed: var(--vc-whiteboard-pressed-color, var(--_vc-on-primary));
  }
  .base {
    display: flex;
    flex-direction: column;
    gap: var(--_wb-gap);
    padding: var(--_wb-padding);
    background: var(--_wb-bg);
    border: 1px solid var(--_vc-border);
    border-radius: var(--_wb-radius);
  }
  .toolbar {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--_wb-gap);
  }
  .group {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--_wb-gap);
    padding-inline-end: var(--_wb-gap);
    border-inline-end: 1px solid var(--_vc-border);
  }
  .group:last-child {
    border: none;
  }
  .toolbar .button {
    padding: var(--_vc-space-xs);
  }
  .toolbar .button[aria-pressed='true'] {
    background: var(--_wb-pressed);
    border-color: var(--_wb-pressed);
    color: var(--_wb-on-pressed);
  }
  .field {
    display: inline-flex;
    align-items: center;
    gap: var(--_vc-space-xs);
    font-weight: 400;
  }
  .field input[type='color'] {
    width: 2.75rem;
    padding: 2px;
  }
  .field input[type='range'] {
    min-height: auto;
    width: 6rem;
  }
  .stage {
    position: relative;
    height: var(--_wb-height);
    overflow: hidden;
    border-radius: var(--_vc-radius-s);
    background: var(--_wb-board);
    touch-action: none;
  }
  .stage:focus-visible {
    outline: var(--_vc-focus-width) solid var(--_vc-focus);
    outline-offset: 2px;
  }
  canvas {
    display: block;
    width: 100%;
    height: 100%;
  }
  :host([tool='pan']) canvas {
    cursor: grab;
  }
  :host([tool='text']) canvas {
    cursor: text;
  }
  :host([tool='pen']) canvas,
  :host([tool='highlighter']) canvas,
  :host([tool='line']) canvas,
  :host([tool='arrow']) canvas,
  :host([tool='rect']) canvas,
  :host([tool='ellipse']) canvas,
  :host([tool='eraser']) canvas {
    cursor: crosshair;
  }
  :host([tool='laser']) canvas {
    cursor: none;
  }
  .text-editor {
    position: absolute;
    min-width: 10rem;
    min-height: 2rem;
    padding: 2px 4px;
    background: rgba(255, 255, 255, 0.9);
    color: #111827;
  }
  .status {
    display: flex;
    justify-content: space-between;
    gap: var(--_vc-space-s);
    font-size: 0.875rem;
    color: var(--_vc-text-muted);
  }
  .error {
    color: var(--_vc-danger);
  }
`;
