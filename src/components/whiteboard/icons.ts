import { svg, html, type TemplateResult } from 'lit';

const paths = {
  pen: svg`<path d="M4 20l4-1 11-11-3-3L5 16l-1 4z" /><path d="M14 6l3 3" />`,
  highlighter: svg`<path d="M9 14l-3 3v3h3l3-3" /><path d="M9 14l6-10 5 5-10 6z" />`,
  eraser: svg`<path d="M7 20h11" /><path d="M4 15l9-9 6 6-8 8H8z" />`,
  line: svg`<path d="M5 19L19 5" />`,
  arrow: svg`<path d="M5 19L19 5" /><path d="M10 5h9v9" />`,
  rect: svg`<rect x="4" y="6" width="16" height="12" rx="1" />`,
  ellipse: svg`<ellipse cx="12" cy="12" rx="8" ry="6" />`,
  text: svg`<path d="M5 6V4h14v2" /><path d="M12 4v16" /><path d="M9 20h6" />`,
  pan: svg`<path d="M12 3v18M3 12h18" /><path d="M9 6l3-3 3 3M9 18l3 3 3-3M6 9l-3 3 3 3M18 9l3 3-3 3" />`,
  laser: svg`<circle cx="12" cy="12" r="3" /><path d="M12 2v4M12 18v4M2 12h4M18 12h4" />`,
  undo: svg`<path d="M9 14L4 9l5-5" /><path d="M4 9h10a6 6 0 010 12h-3" />`,
  redo: svg`<path d="M15 14l5-5-5-5" /><path d="M20 9H10a6 6 0 000 12h3" />`,
  clear: svg`<path d="M4 7h16M10 11v6M14 11v6" /><path d="M6 7l1 13h10l1-13M9 7V4h6v3" />`,
  zoomIn: svg`<circle cx="11" cy="11" r="7" /><path d="M21 21l-4-4M8 11h6M11 8v6" />`,
  zoomOut: svg`<circle cx="11" cy="11" r="7" /><path d="M21 21l-4-4M8 11h6" />`,
  fit: svg`<path d="M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5" />`,
  export: svg`<path d="M12 4v11M7 10l5 5 5-5" /><path d="M5 20h14" />`,
  document: svg`<path d="M6 3h8l4 4v14H6z" /><path d="M14 3v4h4" />`,
  removeDocument: svg`<path d="M6 3h8l4 4v14H6z" /><path d="M9 12l6 6M15 12l-6 6" />`,
  previous: svg`<path d="M15 6l-6 6 6 6" />`,
  next: svg`<path d="M9 6l6 6-6 6" />`,
};

export type IconName = keyof typeof paths;

export function icon(name: IconName): TemplateResult {
  return html`<svg aria-hidden="true" focusable="false" width="20" height="20" viewBox="0 0 24 24" fill="none"
    stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${paths[name]}</svg>`;
}
