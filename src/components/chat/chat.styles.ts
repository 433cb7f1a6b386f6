import { css } from 'lit';

export const chatStyles = css`
  :host {
    --_chat-bg: var(--vc-chat-background, var(--_vc-surface));
    --_chat-own-bg: var(--vc-chat-own-background, var(--_vc-surface-raised));
    --_chat-gap: var(--vc-chat-gap, var(--_vc-space-s));
    --_chat-padding: var(--vc-chat-padding, var(--_vc-space-m));
    --_chat-radius: var(--vc-chat-radius, var(--_vc-radius-m));
    --_chat-badge-bg: var(--vc-chat-badge-background, var(--_vc-danger));
    --_chat-badge-text: var(--vc-chat-badge-color, var(--_vc-on-danger));
  }
  .base {
    display: flex;
    flex-direction: column;
    gap: var(--_chat-gap);
    padding: var(--_chat-padding);
    background: var(--_chat-bg);
    border: 1px solid var(--_vc-border);
    border-radius: var(--_chat-radius);
    height: 100%;
    min-height: 0;
  }
  .header {
    display: flex;
    align-items: center;
    justify-content: space-between;
  }
  .toggle {
    gap: var(--_vc-space-s);
    font-weight: 600;
  }
  .badge {
    display: inline-block;
    min-width: 1.5rem;
    padding: 0 var(--_vc-space-xs);
    border-radius: 999px;
    background: var(--_chat-badge-bg);
    color: var(--_chat-badge-text);
    font-size: 0.875rem;
    text-align: center;
  }
  /* The log takes the height the header and the composer leave (and scrolls) when the host sets one. */
  #body:not([hidden]) {
    flex: 1;
    min-height: 0;
    display: flex;
    flex-direction: column;
  }
  .log {
    flex: 1;
    /* Internal: <vc-consultation> lowers it beside the call, where the input must stay in view. */
    min-height: var(--_vc-chat-log-min-height, 8rem);
    overflow-y: auto;
  }
  .list {
    margin: 0;
    padding: 0;
    list-style: none;
    display: flex;
    flex-direction: column;
    gap: var(--_chat-gap);
  }
  .log:focus-visible {
    outline: var(--_vc-focus-width) solid var(--_vc-focus);
  }
  .message {
    padding: var(--_vc-space-s);
    border-radius: var(--_vc-radius-s);
    border: 1px solid transparent;
    max-width: 100%;
  }
  .message.own {
    background: var(--_chat-own-bg);
  }
  .message.failed {
    border-color: var(--_vc-danger);
  }
  .meta {
    display: flex;
    gap: var(--_vc-space-s);
    align-items: baseline;
    font-size: 0.875rem;
    color: var(--_vc-text-muted);
  }
  .name {
    font-weight: 600;
    color: var(--_vc-text);
    overflow-wrap: anywhere;
  }
  .role {
    padding: 0 var(--_vc-space-xs);
    border-radius: var(--_vc-radius-s);
    background: var(--_vc-primary);
    color: var(--_vc-on-primary);
    font-size: 0.8em;
  }
  .text {
    margin: 0;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .text a {
    color: var(--_vc-primary);
  }
  .divider {
    text-align: center;
    font-size: 0.875rem;
    color: var(--_vc-text-muted);
  }
  .attachment {
    display: grid;
    gap: var(--_vc-space-xs);
    justify-items: start;
    margin-top: var(--_vc-space-xs);
  }
  .attachment img {
    max-width: min(100%, 16rem);
    max-height: 12rem;
    border-radius: var(--_vc-radius-s);
    border: 1px solid var(--_vc-border);
  }
  .composer {
    display: grid;
    grid-template-columns: 1fr auto;
    gap: var(--_vc-space-xs) var(--_chat-gap);
    align-items: end;
  }
  .composer textarea {
    width: 100%;
    resize: vertical;
    min-height: 2.75rem;
    max-height: 10rem;
  }
  .composer textarea[aria-invalid='true'] {
    border-color: var(--_vc-danger);
  }
  .actions {
    display: flex;
    gap: var(--_vc-space-xs);
  }
  .status {
    grid-column: 1 / -1;
    display: flex;
    justify-content: space-between;
    font-size: 0.875rem;
    color: var(--_vc-text-muted);
  }
  .counter.over {
    color: var(--_vc-danger);
    font-weight: 600;
  }
  .error {
    color: var(--_vc-danger);
  }
`;
