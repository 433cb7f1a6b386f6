import { css } from 'lit';

export const waitingRoomStyles = css`
  .base {
    display: grid;
    gap: var(--_vc-space-m);
    padding: var(--vc-waiting-room-padding, var(--_vc-space-l));
    background: var(--vc-waiting-room-background, var(--_vc-surface));
    border-radius: var(--vc-waiting-room-radius, var(--_vc-radius-m));
    color: var(--_vc-text);
  }
  h2 {
    font-size: 1.25rem;
  }
  form {
    display: grid;
    gap: var(--_vc-space-m);
    max-width: 28rem;
  }
  .field {
    display: grid;
    gap: var(--_vc-space-xs);
  }
  .error {
    color: var(--_vc-danger);
    font-weight: 600;
  }
  .muted {
    color: var(--_vc-text-muted);
  }
  .position {
    font-size: 1.5rem;
    font-weight: 700;
  }
  .waiting {
    display: flex;
    flex-wrap: wrap;
    gap: var(--vc-space-l, 1.5rem);
    align-items: center;
  }
  /* The spinner beside the position, not floating above it. */
  .waiting-status {
    flex: 1 1 12rem;
    display: flex;
    gap: var(--_vc-space-m);
    align-items: center;
  }
  .waiting-status .spinner {
    flex: none;
  }
  .self {
    display: flex;
    flex-direction: column;
    gap: var(--vc-space-s, 0.5rem);
    inline-size: min(14rem, 100%);
  }
  .self-view {
    inline-size: 100%;
    aspect-ratio: 4 / 3;
    object-fit: cover;
    border-radius: var(--vc-radius-m, 0.5rem);
    background: #000;
    /* A mirror, as people expect to see themselves; the others see the camera unmirrored. */
    transform: scaleX(-1);
  }
  .self meter {
    inline-size: 100%;
  }
  /* The theme's private tokens: the public --vc-color-* ones are unset unless a host sets them (then transparent). */
  .notice {
    padding: var(--_vc-space-m);
    border-inline-start: 0.25rem solid var(--_vc-primary);
    background: var(--vc-waiting-room-item-background, var(--_vc-surface-raised));
    border-radius: var(--_vc-radius-s);
  }
  .arrival-settings {
    display: flex;
    flex-wrap: wrap;
    gap: var(--vc-space-s, 0.5rem);
    align-items: center;
    margin-block: var(--vc-space-s, 0.5rem);
  }
  .toggle {
    display: inline-flex;
    gap: var(--vc-space-xs, 0.25rem);
    align-items: center;
  }
  .spinner {
    width: 2rem;
    height: 2rem;
    border-radius: 50%;
    border: 4px solid var(--_vc-surface-raised);
    border-top-color: var(--_vc-primary);
    animation: spin 1s linear infinite;
  }
  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .spinner {
      animation: none;
      border-top-color: var(--_vc-border);
    }
  }
  ul {
    list-style: none;
    padding: 0;
    margin: 0;
    display: grid;
    gap: var(--_vc-space-s);
  }
  .message,
  .patient {
    padding: var(--_vc-space-s) var(--_vc-space-m);
    border-radius: var(--_vc-radius-s);
    background: var(--vc-waiting-room-item-background, var(--_vc-surface-raised));
  }
  .patient {
    display: grid;
    gap: var(--_vc-space-s);
  }
  .patient-head {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_vc-space-s) var(--_vc-space-m);
    align-items: baseline;
  }
  .patient-head .badge {
    margin-inline-start: auto;
  }
  /* The role mark belongs to the name; only the device verdict goes to the end of the line. */
  .patient-head .badge.role {
    margin-inline-start: 0;
  }
  header .button {
    margin-inline-start: auto;
  }
  .badge {
    display: inline-block;
    padding: 0 var(--_vc-space-s);
    border-radius: 999px;
    border: 2px solid var(--_vc-border);
    font-size: 0.875rem;
    font-weight: 600;
  }
  .badge.ok {
    border-color: var(--_vc-success);
  }
  .badge.warning {
    border-color: var(--_vc-warning);
  }
  .badge.failed {
    border-color: var(--_vc-danger);
  }
  .connection {
    margin: 0;
    font-size: 0.875rem;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_vc-space-s);
  }
  .message-form {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_vc-space-s);
    align-items: end;
  }
  .message-form .field {
    flex: 1 1 12rem;
  }
  header {
    display: flex;
    justify-content: flex-start;
    align-items: center;
    gap: var(--_vc-space-s);
    flex-wrap: wrap;
  }
`;
