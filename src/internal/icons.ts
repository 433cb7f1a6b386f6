import { svg } from 'lit';

/** Inline icons (no icon font, no third-party request). Decorative: buttons carry text labels. */
const icon = (content: ReturnType<typeof svg>) =>
  svg`<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${content}</svg>`;

export const icons = {
  mic: icon(svg`<rect x="9" y="3" width="6" height="11" rx="3"/><path d="M5 11a7 7 0 0 0 14 0M12 18v3"/>`),
  micOff: icon(svg`<rect x="9" y="3" width="6" height="11" rx="3"/><path d="M5 11a7 7 0 0 0 14 0M12 18v3M3 3l18 18"/>`),
  camera: icon(svg`<rect x="3" y="6" width="13" height="12" rx="2"/><path d="M16 10l5-3v10l-5-3z"/>`),
  switchCamera: icon(
    svg`<rect x="3" y="6" width="18" height="13" rx="2"/><path d="M9 4h6M9 12.5a3 3 0 0 1 5.2-2M15 12.5a3 3 0 0 1-5.2 2M14 9v1.6h-1.6M10 16v-1.6h1.6"/>`,
  ),
  cameraOff: icon(svg`<rect x="3" y="6" width="13" height="12" rx="2"/><path d="M16 10l5-3v10l-5-3zM3 3l18 18"/>`),
  screen: icon(svg`<rect x="3" y="4" width="18" height="12" rx="2"/><path d="M8 20h8M12 16v4"/>`),
  settings: icon(
    svg`<circle cx="12" cy="12" r="3"/><path d="M12 2v3M12 19v3M2 12h3M19 12h3M4.9 4.9l2.1 2.1M17 17l2.1 2.1M4.9 19.1L7 17M17 7l2.1-2.1"/>`,
  ),
  leave: icon(svg`<path d="M15 4h4v16h-4M10 8l-4 4 4 4M6 12h11"/>`),
  end: icon(svg`<path d="M3 15c5-5 13-5 18 0l-3 3-3-2v-3a11 11 0 0 0-6 0v3l-3 2z"/>`),
  lock: icon(svg`<rect x="5" y="11" width="14" height="10" rx="2"/><path d="M8 11V7a4 4 0 0 1 8 0v4"/>`),
  // A person (head and shoulders) before dotted, out-of-focus surroundings.
  blur: icon(
    svg`<circle cx="12" cy="9" r="3"/><path d="M6.5 20a5.5 5.5 0 0 1 11 0M3 5h.01M3 10h.01M3 15h.01M21 5h.01M21 10h.01M21 15h.01"/>`,
  ),
  // A sound wave calmed to a line.
  noise: icon(svg`<path d="M3 12h3l2-5 3 10 2-5h8"/>`),
  sound: icon(svg`<path d="M4 9h4l5-4v14l-5-4H4zM17 9a4 4 0 0 1 0 6"/>`),
};
