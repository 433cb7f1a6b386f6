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
