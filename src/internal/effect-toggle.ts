import { html, nothing, type TemplateResult } from 'lit';

export interface EffectToggleOptions {
  part: string;
  label: string;
  pressed: boolean;
  /** False where the browser cannot run the effect: the button stays off and says why. */
  supported: boolean;
  /** Why it cannot run (shown and announced with the label). */
  unavailable: string;
  /** Loading or switching: a click now would race the one in progress. */
  busy?: boolean;
  icon?: unknown;
  onToggle: () => void;
}

/**
 * The blur and noise-suppression toggles of the device check and the call: one button with `aria-pressed`. An
 * effect the browser cannot run keeps its button focusable (so it is found and explained) with `aria-disabled`.
 */
export function effectToggle(o: EffectToggleOptions): TemplateResult {
  const blocked = !o.supported || !!o.busy;
  return html`<button class="button ${o.pressed ? 'active' : ''}" part=${o.part} type="button" aria-pressed=${String(o.pressed)}
    aria-disabled=${blocked ? 'true' : nothing} aria-busy=${o.busy ? 'true' : nothing} title=${o.supported ? o.label : `${o.label}: ${o.unavailable}`}
    @click=${() => blocked || o.onToggle()}>${o.icon ?? nothing}<span class="label">${o.label}</span>${
      o.supported ? nothing : html`<span class="visually-hidden">: ${o.unavailable}</span>`
    }</button>`;
}
