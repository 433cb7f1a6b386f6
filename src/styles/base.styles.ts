import { css } from 'lit';

/** Shared reset, focus ring, buttons and motion preferences. Host-page CSS cannot reach into our shadow roots. */
export const baseStyles = css`
  :host {
    display: block;
    box-sizing: border-box;
    -webkit-text-size-adjust: 100%;
    visibility: visible;
    cursor: auto;
    /*
     * Text styles inherit into a shadow tree, so a host page's global rules would restyle us. Normal host
     * rules lose to :host anyway; !important here also beats a host's own !important (for important
     * declarations the inner context wins). Hosts restyle text through the --vc-font-* and --vc-color-* tokens.
     */
    font-family: var(--_vc-font-family) !important;
    font-size: var(--_vc-font-size) !important;
    line-height: 1.5 !important;
    color: var(--_vc-text) !important;
    font-style: normal !important;
    font-weight: 400 !important;
    letter-spacing: normal !important;
    word-spacing: normal !important;
    text-align: start !important;
    text-indent: 0 !important;
    text-transform: none !important;
    text-shadow: none !important;
    white-space: normal !important;
  }
  :host([hidden]),
  [hidden] {
    display: none !important;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  h1,
  h2,
  h3,
  p {
    margin: 0;
  }
  :focus-visible {
    outline: var(--_vc-focus-width) solid var(--_vc-focus);
    outline-offset: 2px;
  }
  button,
  input,
  select,
  textarea {
    font: inherit;
    color: inherit;
  }
  .button {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: var(--_vc-space-xs);
    min-height: 2.75rem;
    min-width: 2.75rem;
    padding: var(--_vc-space-s) var(--_vc-space-m);
    border: 1px solid var(--_vc-border);
    border-radius: var(--_vc-radius-s);
    background: var(--_vc-surface);
    color: var(--_vc-text);
    cursor: pointer;
    transition: background-color 120ms ease, transform 120ms ease;
  }
  .button:hover {
    background: var(--_vc-surface-raised);
  }
  .button:active {
    transform: translateY(1px);
  }
  .button[disabled],
  .button[aria-disabled='true'] {
    cursor: not-allowed;
    opacity: 0.6;
  }
  .button.primary {
    background: var(--_vc-primary);
    border-color: var(--_vc-primary);
    color: var(--_vc-on-primary);
  }
  .button.danger {
    background: var(--_vc-danger);
    border-color: var(--_vc-danger);
    color: var(--_vc-on-danger);
  }
  input,
  select,
  textarea {
    min-height: 2.75rem;
    padding: var(--_vc-space-s);
    border: 1px solid var(--_vc-border);
    border-radius: var(--_vc-radius-s);
    background: var(--_vc-surface);
  }
  label {
    font-weight: 600;
  }
  .visually-hidden {
    position: absolute !important;
    width: 1px;
    height: 1px;
    padding: 0;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
  @media (prefers-reduced-motion: reduce) {
    *,
    *::before,
    *::after {
      animation-duration: 0.01ms !important;
      animation-iteration-count: 1 !important;
      transition-duration: 0.01ms !important;
      scroll-behavior: auto !important;
    }
  }
`;
