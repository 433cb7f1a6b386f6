import { css } from 'lit';

/**
 * The look of `effectToggle()` where it is used (device check, call toolbar): a wrapping row of buttons, and a
 * pressed toggle filled with the primary colour. Listed after `baseStyles`, so `.active` wins over `.button:hover`.
 */
export const toggleGroupStyles = css`
  .toggle-group {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_vc-space-s);
  }
  .toggle-group .button.active {
    background: var(--_vc-primary);
    border-color: var(--_vc-primary);
    color: var(--_vc-on-primary);
  }
`;
