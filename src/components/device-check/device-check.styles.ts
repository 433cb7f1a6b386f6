import { css } from 'lit';

export const deviceCheckStyles = css`
  .base {
    display: grid;
    gap: var(--_vc-space-m);
    padding: var(--vc-device-check-padding, var(--_vc-space-l));
    background: var(--vc-device-check-background, var(--_vc-surface));
    border-radius: var(--vc-device-check-radius, var(--_vc-radius-m));
  }
  h2 {
    font-size: 1.25rem;
  }
  .layout {
    display: grid;
    gap: var(--_vc-space-m);
    grid-template-columns: minmax(0, 3fr) minmax(0, 2fr);
  }
  @media (max-width: 40rem) {
    .layout {
      grid-template-columns: 1fr;
    }
  }
  video {
    width: 100%;
    aspect-ratio: 16 / 9;
    object-fit: cover;
    background: var(--_vc-video-bg);
    border-radius: var(--_vc-radius-s);
    transform: scaleX(-1);
  }
  .controls {
    display: grid;
    gap: var(--_vc-space-s);
    align-content: start;
  }
  .field {
    display: grid;
    gap: var(--_vc-space-xs);
  }
  meter {
    width: 100%;
    height: 0.75rem;
  }
  ul {
    list-style: none;
    padding: 0;
    margin: 0;
    display: grid;
    gap: var(--_vc-space-s);
  }
  li {
    display: grid;
    gap: 0.125rem;
    padding: var(--_vc-space-s);
    border-left: 4px solid var(--_vc-border);
    background: var(--_vc-surface-raised);
    border-radius: var(--_vc-radius-s);
  }
  li.ok {
    border-left-color: var(--_vc-success);
  }
  li.problem {
    border-left-color: var(--_vc-danger);
  }
  .fix {
    color: var(--_vc-text-muted);
  }
  .verdict {
    font-weight: 600;
    padding: var(--_vc-space-s) var(--_vc-space-m);
    border-radius: var(--_vc-radius-s);
    background: var(--_vc-surface-raised);
    color: var(--_vc-text);
    border: 2px solid var(--_vc-border);
  }
  .verdict.ok {
    border-color: var(--_vc-success);
  }
  .verdict.warning {
    border-color: var(--_vc-warning);
  }
  .verdict.failed {
    border-color: var(--_vc-danger);
  }
  .check {
    display: flex;
    gap: var(--_vc-space-s);
    align-items: center;
    font-weight: 400;
  }
  .check input {
    min-height: auto;
    width: 1.25rem;
    height: 1.25rem;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_vc-space-s);
    justify-content: flex-end;
  }
`;
