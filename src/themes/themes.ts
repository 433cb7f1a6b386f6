import { css, unsafeCSS } from 'lit';

/**
 * Theme palettes. Each element maps the public global tokens (`--vc-color-*`, `--vc-space-*`, `--vc-radius-*`,
 * `--vc-font-*`) to private ones with the theme's defaults, so a host can rebrand from any ancestor
 * (even `:root`) without fighting our `:host` rules.
 */
// color-scheme: native parts (meter, checkbox, select lists, scrollbars) follow the theme, not the browser's default.
const light = unsafeCSS(/* declarations, not a stylesheet: kept out of the template minifier */ `
  color-scheme: light;
  --_vc-surface: var(--vc-color-surface, #ffffff);
  --_vc-surface-raised: var(--vc-color-surface-raised, #f3f4f6);
  --_vc-text: var(--vc-color-text, #1a1f2b);
  --_vc-text-muted: var(--vc-color-text-muted, #4a5263);
  --_vc-primary: var(--vc-color-primary, #1d4ed8);
  --_vc-on-primary: var(--vc-color-on-primary, #ffffff);
  --_vc-danger: var(--vc-color-danger, #b91c1c);
  --_vc-on-danger: var(--vc-color-on-danger, #ffffff);
  --_vc-success: var(--vc-color-success, #166534);
  --_vc-warning: var(--vc-color-warning, #8a4b00);
  --_vc-border: var(--vc-color-border, #6b7280);
  --_vc-focus: var(--vc-color-focus, #1d4ed8);
  --_vc-video-bg: var(--vc-color-video-background, #1f2937);
  --_vc-on-video: var(--vc-color-on-video, #ffffff);
`);

const dark = unsafeCSS(/* declarations, not a stylesheet: kept out of the template minifier */ `
  color-scheme: dark;
  --_vc-surface: var(--vc-color-surface, #111827);
  --_vc-surface-raised: var(--vc-color-surface-raised, #1f2937);
  --_vc-text: var(--vc-color-text, #f3f4f6);
  --_vc-text-muted: var(--vc-color-text-muted, #c4c9d4);
  --_vc-primary: var(--vc-color-primary, #93c5fd);
  --_vc-on-primary: var(--vc-color-on-primary, #0b1220);
  --_vc-danger: var(--vc-color-danger, #fca5a5);
  --_vc-on-danger: var(--vc-color-on-danger, #1f0a0a);
  --_vc-success: var(--vc-color-success, #86efac);
  --_vc-warning: var(--vc-color-warning, #fcd34d);
  --_vc-border: var(--vc-color-border, #9ca3af);
  --_vc-focus: var(--vc-color-focus, #93c5fd);
  --_vc-video-bg: var(--vc-color-video-background, #000000);
  --_vc-on-video: var(--vc-color-on-video, #ffffff);
`);

const highContrast = unsafeCSS(/* declarations, not a stylesheet: kept out of the template minifier */ `
  color-scheme: dark;
  --_vc-surface: var(--vc-color-surface, #000000);
  --_vc-surface-raised: var(--vc-color-surface-raised, #000000);
  --_vc-text: var(--vc-color-text, #ffffff);
  --_vc-text-muted: var(--vc-color-text-muted, #ffffff);
  --_vc-primary: var(--vc-color-primary, #ffff00);
  --_vc-on-primary: var(--vc-color-on-primary, #000000);
  --_vc-danger: var(--vc-color-danger, #ff8080);
  --_vc-on-danger: var(--vc-color-on-danger, #000000);
  --_vc-success: var(--vc-color-success, #7fff7f);
  --_vc-warning: var(--vc-color-warning, #ffff00);
  --_vc-border: var(--vc-color-border, #ffffff);
  --_vc-focus: var(--vc-color-focus, #00ffff);
  --_vc-video-bg: var(--vc-color-video-background, #000000);
  --_vc-on-video: var(--vc-color-on-video, #ffffff);
`);

export const THEMES = ['light', 'dark', 'high-contrast', 'auto'] as const;
export type ThemeName = (typeof THEMES)[number];

export const themeStyles = css`
  :host {
    ${light}
    --_vc-space-xs: var(--vc-space-xs, 0.25rem);
    --_vc-space-s: var(--vc-space-s, 0.5rem);
    --_vc-space-m: var(--vc-space-m, 1rem);
    --_vc-space-l: var(--vc-space-l, 1.5rem);
    --_vc-space-xl: var(--vc-space-xl, 2rem);
    --_vc-radius-s: var(--vc-radius-s, 0.375rem);
    --_vc-radius-m: var(--vc-radius-m, 0.75rem);
    --_vc-radius-l: var(--vc-radius-l, 1.25rem);
    --_vc-font-family: var(--vc-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    --_vc-font-size: var(--vc-font-size, 1rem);
    --_vc-focus-width: var(--vc-focus-width, 3px);
  }
  :host([theme='dark']) {
    ${dark}
  }
  :host([theme='high-contrast']) {
    ${highContrast}
  }
  @media (prefers-color-scheme: dark) {
    :host([theme='auto']) {
      ${dark}
    }
  }
  @media (prefers-contrast: more) {
    :host([theme='auto']) {
      ${highContrast}
    }
  }
`;
