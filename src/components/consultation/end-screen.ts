// The "consultation ended" screen of <vc-consultation>, rendered into its shadow root (its parts stay the
// element's own): who ended it, how long it lasted, and the patient's one-tap connection rating.
import { html, nothing, type TemplateResult } from 'lit';
import type { LocalizeController } from '../../controllers/localize.js';
import type { TranslationKey } from '../../translations/en.js';
import type { ConnectionRating, EndReason } from '../../session/types.js';

export interface EndScreenOptions {
  localize: LocalizeController;
  practitioner: boolean;
  endReason: EndReason | undefined;
  /** This page ended the consultation for everyone. */
  endedHere: boolean;
  callStartedAt: number | undefined;
  callEndedAt: number | undefined;
  rated: ConnectionRating | undefined;
  onRate(rating: ConnectionRating): void;
}

const RATINGS: [ConnectionRating, TranslationKey][] = [
  ['good', 'c.rateGood'],
  ['fair', 'c.rateFair'],
  ['poor', 'c.ratePoor'],
];

function endTitle({ endReason, endedHere, practitioner }: EndScreenOptions): TranslationKey {
  if (endReason === 'left') return 'c.leftTitle';
  if (endReason === 'removed') return 'c.removedTitle';
  if (endReason === 'connection-lost') return 'c.lostTitle';
  if (endedHere) return 'c.endedByYou';
  return practitioner ? 'c.endedTitle' : 'c.endedByPractitioner';
}

/** Who ended it and how long it lasted; a patient who was in the call rates the connection with one tap. */
export function renderEndScreen(options: EndScreenOptions): TemplateResult {
  const { localize, practitioner, callStartedAt, callEndedAt, rated, onRate } = options;
  const t = localize.t.bind(localize);
  const seconds = callStartedAt !== undefined && callEndedAt !== undefined ? (callEndedAt - callStartedAt) / 1000 : undefined;
  const minutes = seconds === undefined ? undefined : Math.max(1, Math.round(seconds / 60));
  return html`<div class="message end-screen" part="end-screen">
    <h2 tabindex="-1" data-step-focus>${t(endTitle(options))}</h2>
    ${minutes !== undefined ? html`<p part="duration">${t('c.duration', { minutes: localize.number(minutes) })}</p>` : nothing}
    ${
      !practitioner && callStartedAt !== undefined
        ? rated
          ? html`<p role="status">${t('c.rateThanks')}</p>`
          : html`<div class="rating" role="group" aria-labelledby="rate-question">
            <p id="rate-question">${t('c.rateQuestion')}</p>
            ${RATINGS.map(
              ([rating, key]) =>
                html`<button class="button" part="rate-button" type="button" data-rating=${rating} @click=${() => onRate(rating)}>
                  ${t(key)}
                </button>`,
            )}
          </div>`
        : nothing
    }
    <p>${t('c.closeHint')}</p>
  </div>`;
}
