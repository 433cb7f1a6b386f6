import { LitElement } from 'lit';
import { property } from 'lit/decorators.js';
import { LocalizeController, type LabelOverrides } from '../controllers/localize.js';
import { VcErrorEvent } from '../events/events.js';
import { baseStyles } from '../styles/base.styles.js';
import { THEMES, themeStyles, type ThemeName } from '../themes/themes.js';

/** Base of every vc-* element: theme, localization, attribute validation, a double-registration-safe define. */
export class VcElement extends LitElement {
  static override styles = [themeStyles, baseStyles];

  /** Registers the element unless that tag is already taken (an embed script may load twice). */
  static define(tag: string): void {
    if (!customElements.get(tag)) customElements.define(tag, this);
  }

  /** `light` (default), `dark`, `high-contrast`, or `auto` (follows the system). */
  @property({ reflect: true }) theme: ThemeName = 'light';

  /** The element's language; falls back to the nearest `lang` and then the document's. */
  @property({ reflect: true }) override lang!: string;

  /**
   * Replaces UI strings by translation key (see `src/translations/en.ts`), e.g. `{ 'chat.send': 'Post' }`;
   * `{name}`-style placeholders work as in the translations. Everything else follows `lang`.
   */
  @property({ attribute: false }) labels: LabelOverrides = {};

  protected readonly localize = new LocalizeController(this);
  private readonly reportedErrors = new Set<string>();

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    super.willUpdate(changed);
    if (changed.has('theme') && !this.validateOneOf('theme', this.theme, THEMES)) this.theme = 'light';
  }

  /**
   * Moves focus to the current step's landmark (`[data-step-focus]`), so keyboard and screen-reader users
   * are not left on a removed element when the flow moves on.
   */
  async focusStep(): Promise<void> {
    await this.updateComplete;
    const target = this.renderRoot.querySelector<HTMLElement>('[data-step-focus]');
    if (target instanceof VcElement) await target.focusStep();
    else target?.focus({ preventScroll: false });
  }

  /** Remembers whether focus is inside before a step change, and restores it into the new step after. */
  private focusWasInside = false;
  private lastStep?: string;

  /** Subclasses return a key that changes whenever a different step (screen) is shown. */
  protected get step(): string | undefined {
    return undefined;
  }

  protected override update(changed: Map<PropertyKey, unknown>): void {
    this.focusWasInside = !!(this.renderRoot as ShadowRoot | undefined)?.activeElement;
    super.update(changed);
  }

  protected override updated(changed: Map<PropertyKey, unknown>): void {
    super.updated(changed);
    const step = this.step;
    if (step !== this.lastStep) {
      const moved = this.lastStep !== undefined;
      this.lastStep = step;
      if (moved && this.focusWasInside) void this.focusStep();
    }
  }

  protected emitError(code: string, message: string): void {
    this.dispatchEvent(new VcErrorEvent({ code, message }));
  }

  /** Reports an invalid attribute value once per value; the element keeps working with its default. */
  protected validateOneOf<T extends string>(attribute: string, value: unknown, allowed: readonly T[]): value is T {
    if (allowed.includes(value as T)) return true;
    this.reportInvalid(attribute, value, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
    return false;
  }

  protected reportInvalid(attribute: string, value: unknown, expected: string): void {
    const key = `${attribute}=${String(value)}`;
    if (this.reportedErrors.has(key)) return;
    this.reportedErrors.add(key);
    this.emitError(
      'invalid_attribute',
      `<${this.localName}> ${attribute} must be ${expected}; got "${String(value)}". Using the default instead.`,
    );
  }

  protected get tag(): string {
    return this.localName;
  }
}
