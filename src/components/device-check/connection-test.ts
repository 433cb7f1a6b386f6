import { html, nothing } from 'lit';
import { property } from 'lit/decorators.js';
import { VcElement } from '../../internal/vc-element.js';
import { connectionPath } from '../../session/devices.js';
import type { ConnectionSteps, ConnectionTestState, StepStatus } from '../../session/types.js';
import type { TranslationKey } from '../../translations/en.js';
import { deviceCheckStyles } from './device-check.styles.js';

const STEPS = ['websocket', 'udp', 'tcp', 'turn'] as const;
type Step = (typeof STEPS)[number];

/**
 * @tagname vc-connection-test
 * The device check's connection test: one row per path a call can take to the SFU (WebSocket signalling,
 * UDP, the TCP fallback, the TURN relay) with what to do about a blocked one. The patient's session runs the
 * test once it has a waiting-room ticket and `<vc-waiting-room>` shows this element while the patient waits;
 * a host may place its own and set `test` from the session snapshot's `connectionTest`.
 *
 * @csspart base - The wrapper.
 * @csspart steps - The list of steps.
 * @csspart summary - The overall outcome.
 */
export class VcConnectionTest extends VcElement {
  static override styles = [...VcElement.styles, deviceCheckStyles];

  /** The test's progress and outcome (`SessionSnapshot.connectionTest`); nothing is shown without it. */
  @property({ attribute: false }) test?: ConnectionTestState;

  /** The advice for a step, given the whole outcome (a blocked UDP matters less when TCP carries the call). */
  private fixFor(step: Step, steps: ConnectionSteps): TranslationKey | undefined {
    if (steps[step] !== 'failed') return undefined;
    const path = connectionPath(steps);
    if (step === 'websocket') return 'cn.fix.websocket';
    if (path === 'blocked') return step === 'udp' ? 'cn.fix.none' : undefined;
    if (step === 'udp') return path === 'tcp' ? 'cn.fix.udpTcp' : 'cn.fix.udpRelay';
    if (step === 'tcp') return path === 'ok' ? 'cn.fix.tcp' : undefined;
    return 'cn.fix.turn';
  }

  private renderStep(step: Step, steps: ConnectionSteps | undefined, running: boolean) {
    const t = this.localize.t.bind(this.localize);
    const status: StepStatus | undefined = steps?.[step];
    const fix = steps ? this.fixFor(step, steps) : undefined;
    const host = this.test?.host ?? '';
    const text = status && !(running && status === 'skipped') ? t(`cn.${status}`) : t('dc.checking');
    return html`<li class=${status === 'ok' ? 'ok' : status === 'failed' ? 'problem' : ''} data-step=${step} data-status=${status ?? 'pending'}>
      <span><strong>${t(`cn.${step}`)}:</strong> ${text}</span>
      ${fix ? html`<span class="fix">${t(fix, { host })}</span>` : nothing}
    </li>`;
  }

  override render() {
    const test = this.test;
    if (!test) return nothing;
    const t = this.localize.t.bind(this.localize);
    const running = test.state === 'running';
    const path = test.steps && !running ? connectionPath(test.steps) : undefined;
    const verdict = path === 'ok' ? 'ok' : path === 'blocked' ? 'failed' : path ? 'warning' : '';
    const summary = test.state === 'unavailable' ? t('cn.unavailable') : verdict ? t(`cn.summary.${verdict}`) : t('cn.checking');
    return html`<section part="base" aria-labelledby="connection-title">
      <h3 id="connection-title">${t('cn.title')}</h3>
      ${
        test.state === 'unavailable'
          ? nothing
          : html`<ul part="steps">
            ${STEPS.map((step) => this.renderStep(step, test.steps, running))}
          </ul>`
      }
      <p part="summary" class="verdict ${verdict}" role="status" aria-live="polite">${summary}</p>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'vc-connection-test': VcConnectionTest;
  }
}

VcConnectionTest.define('vc-connection-test');
