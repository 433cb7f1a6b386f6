import { css } from 'lit';

export const consultationStyles = css`
  :host {
    min-height: var(--vc-consultation-min-height, 28rem);
  }
  .base {
    display: grid;
    height: 100%;
    min-height: inherit;
    background: var(--vc-consultation-background, var(--_vc-surface));
    color: var(--_vc-text);
    border-radius: var(--vc-consultation-radius, var(--_vc-radius-m));
  }
  .with-sidebar {
    display: grid;
    grid-template-columns: minmax(0, 1fr) auto;
    gap: var(--_vc-space-s);
    min-height: inherit;
  }
  .main {
    display: flex;
    flex-direction: column;
    gap: var(--_vc-space-s);
    min-width: 0;
    min-height: inherit;
  }
  /* The call takes what the tools row (and the board) leave: inheriting the whole min-height pushed the row out. */
  .main > vc-call {
    flex: 1 1 auto;
  }
  .board-open .main > vc-call {
    flex: 0 0 var(--vc-consultation-call-height-with-board, 14rem);
    min-height: 0;
    --vc-call-height: var(--vc-consultation-call-height-with-board, 14rem);
  }
  .main > vc-whiteboard {
    --vc-whiteboard-height: var(--vc-consultation-whiteboard-height, min(30rem, 45vh));
  }
  .tools {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--_vc-space-s);
  }
  .tools .button[aria-pressed='true'] {
    background: var(--_vc-primary);
    color: var(--_vc-on-primary);
    border-color: var(--_vc-primary);
  }
  /* The chat has its own header toggle beside the call; the button is for phones, where it is hidden. */
  .chat-button {
    display: none;
  }
  .tools .error:empty {
    display: none;
  }
  aside {
    display: grid;
    align-content: start;
    gap: var(--_vc-space-s);
    width: var(--vc-consultation-sidebar-width, 20rem);
    max-height: 100%;
    overflow: auto;
  }
  /*
   * Beside the call the sidebar (queue, note form, chat) scrolls within the call's height instead of setting it: a
   * tall queue pushed the call's toolbar (mute, end) below a laptop screen's fold.
   */
  .in-call > aside {
    contain: size;
    /* Clips visually hidden live regions too: placed outside it they made the page scroll past the call. */
    position: relative;
    display: flex;
    flex-direction: column;
  }
  .in-call > aside ::slotted(*) {
    flex-shrink: 0;
  }
  /*
   * The queue and the chat share the sidebar's height and each scrolls inside its own box, so the chat's input
   * stays in view: the chat took at least its content's minimum (header, an 8rem log, input), and with the
   * queue and a practitioner's note above it the input ended below the sidebar's fold (1280×800).
   */
  .in-call > aside > vc-waiting-room {
    flex: 0 1 auto;
    min-height: 6rem;
    overflow-y: auto;
  }
  .in-call > aside vc-chat {
    flex: 1 1 16rem;
    /* Header, a 3rem log and the composer with its counter line. */
    min-height: 14rem;
    --_vc-chat-log-min-height: 3rem;
  }
  aside:empty {
    display: none;
  }
  .rating {
    display: flex;
    flex-wrap: wrap;
    gap: var(--vc-space-s, 0.5rem);
    justify-content: center;
    align-items: center;
  }
  .rating p {
    flex-basis: 100%;
    margin: 0;
  }
  .message {
    display: grid;
    gap: var(--_vc-space-s);
    place-content: center;
    text-align: center;
    padding: var(--_vc-space-xl);
  }
  h2 {
    font-size: 1.5rem;
  }
  @media (max-width: 48rem) {
    .with-sidebar {
      grid-template-columns: 1fr;
    }
    aside {
      width: auto;
    }
    .in-call > aside {
      contain: none;
    }
    .in-call > aside vc-chat {
      flex: initial;
      min-height: auto;
    }
    .in-call > aside > vc-waiting-room {
      flex-shrink: 0;
      min-height: auto;
      overflow-y: visible;
    }
  }
  @media (max-width: 48rem) and (orientation: portrait) {
    .chat-button {
      display: inline-flex;
    }
    .in-call vc-chat[collapsed] {
      display: none;
    }
  }
`;
