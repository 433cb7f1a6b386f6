import { css } from 'lit';

export const callStyles = css`
  :host {
    min-height: 20rem;
  }
  .base {
    container: call / inline-size;
    position: relative;
    display: grid;
    grid-template-rows: auto 1fr auto;
    height: var(--vc-call-height, 100%);
    min-height: inherit;
    background: var(--vc-call-background, var(--_vc-video-bg));
    color: var(--_vc-on-video);
    border-radius: var(--vc-call-radius, var(--_vc-radius-m));
    overflow: hidden;
  }
  .banners {
    display: grid;
    gap: var(--_vc-space-xs);
  }
  .banner {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_vc-space-s);
    align-items: center;
    justify-content: center;
    padding: var(--_vc-space-s) var(--_vc-space-m);
    background: var(--vc-call-banner-background, var(--_vc-surface));
    color: var(--_vc-text);
    font-weight: 600;
    border-bottom: 4px solid var(--vc-call-banner-accent, var(--_vc-warning));
  }
  .stage {
    position: relative;
    display: grid;
    gap: var(--_vc-space-s);
    padding: var(--_vc-space-s);
    min-height: 0;
  }
  .stage.grid {
    grid-template-columns: repeat(auto-fit, minmax(min(100%, 14rem), 1fr));
    grid-auto-rows: minmax(8rem, 1fr);
  }
  .tile {
    position: relative;
    margin: 0;
    min-height: 8rem;
    border-radius: var(--vc-call-tile-radius, var(--_vc-radius-s));
    overflow: hidden;
    background: var(--vc-call-tile-background, #111827);
    outline: 3px solid transparent;
    transition: outline-color 150ms ease;
  }
  .tile.speaking {
    outline-color: var(--vc-call-speaker-color, var(--_vc-primary));
  }
  /* Absolutely placed so a video's intrinsic size never grows the call past its box (and the toolbar out of view). */
  video {
    position: absolute;
    inset: 0;
    display: block;
    width: 100%;
    height: 100%;
    object-fit: cover;
  }
  .tile.screen video {
    object-fit: contain;
  }
  /* Grid cells of three or more are narrow and tall: cropping to them cut people (and an interpreter's hands) off. */
  .stage.grid .tile video.camera {
    object-fit: contain;
  }
  .tile.local video.camera {
    transform: scaleX(-1);
  }
  /* Remote videos zoom (zoom.ts): the tile takes pinches and drags itself instead of scrolling the page. */
  .tile.remote[tabindex] {
    touch-action: none;
  }
  .tile.remote[data-zoom]:not([data-zoom='1.00']) {
    cursor: grab;
  }
  .tile.remote video {
    transition: transform 80ms linear;
  }
  .avatar {
    position: absolute;
    inset: 0;
    display: grid;
    place-items: center;
    font-size: 2.5rem;
    font-weight: 700;
  }
  /* Wraps: in a narrow tile the role mark goes below the name rather than cutting the name to "Dr. We…". */
  figcaption {
    position: absolute;
    left: var(--_vc-space-s);
    bottom: var(--_vc-space-s);
    display: flex;
    flex-wrap: wrap;
    gap: var(--_vc-space-xs);
    align-items: center;
    max-width: calc(100% - 1rem);
    padding: 0.125rem var(--_vc-space-s);
    border-radius: var(--_vc-radius-s);
    background: rgb(0 0 0 / 0.7);
    color: #fff;
    font-size: 0.875rem;
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .self {
    position: absolute;
    width: var(--vc-call-self-view-width, clamp(6rem, 22%, 14rem));
    aspect-ratio: 4 / 3;
    z-index: 2;
    touch-action: none;
    cursor: grab;
    box-shadow: 0 4px 16px rgb(0 0 0 / 0.4);
  }
  .self.top-left {
    top: var(--_vc-space-m);
    left: var(--_vc-space-m);
  }
  .self.top-right {
    top: var(--_vc-space-m);
    right: var(--_vc-space-m);
  }
  .self.bottom-left {
    bottom: var(--_vc-space-m);
    left: var(--_vc-space-m);
  }
  .self.bottom-right {
    bottom: var(--_vc-space-m);
    right: var(--_vc-space-m);
  }
  .self.dragging {
    cursor: grabbing;
    transition: none;
  }
  /* At the top: the self-view sits at the bottom and covered this line in a short stage. */
  .waiting {
    display: grid;
    place-items: start center;
    text-align: center;
    padding: var(--_vc-space-l);
  }
  .toolbar {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_vc-space-s);
    align-items: center;
    justify-content: space-between;
    padding: var(--_vc-space-s);
    background: var(--vc-call-toolbar-background, var(--_vc-surface));
    color: var(--_vc-text);
  }
  /* Controls stay reachable when the host page makes the call taller than the screen. */
  .controls {
    position: sticky;
    bottom: 0;
    z-index: 3;
  }
  .toolbar .button.off {
    border-width: 2px;
    border-color: var(--_vc-danger);
    color: var(--_vc-danger);
  }
  .encrypted {
    display: inline-flex;
    align-items: center;
    gap: 0.25rem;
    font-size: 0.875rem;
    color: var(--_vc-success);
  }
  .encrypted svg {
    width: 1rem;
    height: 1rem;
  }
  .quality {
    font-size: 0.875rem;
    color: var(--_vc-text-muted);
  }
  .quality.poor,
  .quality.lost {
    color: var(--_vc-danger);
    font-weight: 600;
  }
  .muted-icon {
    display: inline-flex;
  }
  .muted-icon svg {
    width: 1rem;
    height: 1rem;
  }
  /* The other person's name (and role mark) at the top: the self-view's default corner covered it at the bottom. */
  .stage:not(.grid) > .tile.remote figcaption {
    top: var(--_vc-space-s);
    bottom: auto;
  }
  .name {
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .role {
    flex: none;
    padding: 0 var(--_vc-space-xs);
    border-radius: var(--_vc-radius-s);
    background: var(--_vc-primary);
    color: var(--_vc-on-primary);
    font-size: 0.8em;
  }
  .devices {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_vc-space-s);
    padding: var(--_vc-space-s);
    background: var(--_vc-surface);
    color: var(--_vc-text);
  }
  .devices label {
    display: grid;
    gap: var(--_vc-space-xs);
  }
  @media (max-width: 40rem) and (orientation: portrait) {
    .base {
      border-radius: 0;
    }
    .stage.grid {
      grid-template-columns: 1fr 1fr;
    }
    .self {
      width: 28%;
      aspect-ratio: 3 / 4;
    }
    /* A landscape camera on a portrait phone: show all of the other person, not a sliver of the middle. */
    .stage:not(.grid) .tile.remote video.camera {
      object-fit: contain;
    }
  }
  /* Sized by the element, not the viewport: an embed may sit in a narrow column of a wide page. */
  @container call (max-width: 64rem) {
    .toolbar {
      justify-content: center;
    }
    .toolbar .label {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip: rect(0 0 0 0);
      white-space: nowrap;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .tile {
      transition: none;
    }
  }
`;
