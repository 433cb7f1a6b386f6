import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { en, type TranslationKey, type Translation } from '../translations/en.js';

/**
 * Per-element localization. We deliberately do not use @lit/localize's runtime mode: its locale is global
 * to the document, while an embed must follow `lang` on the element (a German consultation inside an English
 * portal). Translations are typed: a locale missing a key does not compile, and a test checks it at runtime.
 *
 * English ships in the first load, except the strings of the parts that load later (the practitioner's queue,
 * the whiteboard): those come with their part ({@link addEnglish}). Every other locale is its own chunk, loaded
 * the first time an element asks for it (about 2.5 KiB gzip each that a page in another language never pays
 * for). Until it arrives the element shows English, then re-renders.
 */
const loaders: Readonly<Record<string, () => Promise<Translation>>> = {
  de: () => import('../translations/de.js').then((m) => m.de),
  nl: () => import('../translations/nl.js').then((m) => m.nl),
  fr: () => import('../translations/fr.js').then((m) => m.fr),
  es: () => import('../translations/es.js').then((m) => m.es),
  it: () => import('../translations/it.js').then((m) => m.it),
  cs: () => import('../translations/cs.js').then((m) => m.cs),
};
export const SUPPORTED_LOCALES: readonly string[] = ['en', ...Object.keys(loaders)];
/** Partial until every part has loaded; a part's elements only render after it has added its strings. */
type EnglishTable = { readonly [K in TranslationKey]?: string };
const english: { [K in TranslationKey]?: string } = { ...en };
const loaded: Record<string, EnglishTable> = { en: english };

/** A lazily loaded part adds its English strings (the fallback of every locale) when its module runs. */
export function addEnglish(part: EnglishTable): void {
  Object.assign(english, part);
}
const loading = new Map<string, Promise<Translation>>();

/** Loads a locale (once); resolves with its table. English is always there. */
export function loadLocale(locale: string): Promise<EnglishTable> {
  if (loaded[locale]) return Promise.resolve(loaded[locale]);
  const loader = loaders[locale];
  if (!loader) return Promise.resolve(english);
  let pending = loading.get(locale);
  if (!pending) {
    pending = loader().then((table: Translation) => {
      loaded[locale] = table;
      hosts.forEach((host) => host.requestUpdate());
      return table;
    });
    loading.set(locale, pending);
  }
  return pending;
}

const hosts = new Set<ReactiveControllerHost>();
let observer: MutationObserver | undefined;

function watchDocumentLang(): void {
  if (observer || typeof MutationObserver === 'undefined') return;
  observer = new MutationObserver(() => hosts.forEach((host) => host.requestUpdate()));
  // The whole light DOM: a host may set lang on any ancestor, or on the element itself.
  observer.observe(document, { subtree: true, attributes: true, attributeFilter: ['lang'] });
}

/**
 * Elements that show a consultation answer with its locale under this key (`<vc-consultation>` and the
 * session elements): the integrator's choice for the patient's language. A symbol, so it is no public API.
 */
export const CONSULTATION_LOCALE = Symbol('videoconsult.consultationLocale');

interface ConsultationLocaleSource {
  readonly [CONSULTATION_LOCALE]?: string | undefined;
}

/** The locale the integrator set on the consultation, for a patient's view only (a practitioner keeps their own). */
export function patientLocale(snapshot: { role: string; consultation?: { locale: string } | undefined } | undefined): string | undefined {
  return snapshot?.role === 'patient' ? snapshot.consultation?.locale || undefined : undefined;
}

/**
 * The element's language, in this order: `lang` set by the host on the element or any ancestor inside the page
 * (walking up through shadow roots), the consultation's locale (once the patient has joined), the document's
 * `<html lang>` (the portal's own language, not a choice for this consultation), then the browser's.
 */
export function resolveLang(element: HTMLElement): string {
  // The property first: Lit renders before it reflects `lang` to the attribute.
  // A host page may assign anything to the property; only a non-empty string is a language.
  if (typeof element.lang === 'string' && element.lang) return element.lang;
  let consultation: string | undefined;
  let node: Node | null = element;
  while (node) {
    if (node instanceof Element && node !== document.documentElement) {
      const lang = node.getAttribute('lang');
      if (lang) return lang;
      consultation ??= (node as Element & ConsultationLocaleSource)[CONSULTATION_LOCALE];
    }
    node = node.parentNode ?? (node instanceof ShadowRoot ? node.host : null);
  }
  return consultation || document.documentElement.lang || navigator.language || 'en';
}

export function pickLocale(lang: string): string {
  const lower = lang.toLowerCase();
  if (SUPPORTED_LOCALES.includes(lower)) return lower;
  const base = lower.split(/[-_]/)[0] ?? 'en';
  return SUPPORTED_LOCALES.includes(base) ? base : 'en';
}

/** English until the locale's chunk has arrived (asking for it starts the load). */
export function translate(locale: string, key: TranslationKey, params?: Record<string, string | number>): string {
  const table = loaded[locale];
  if (!table)
    void loadLocale(locale).catch((error: unknown) => console.warn(`[videoconsult] could not load the "${locale}" translation:`, error));
  return format((table ?? english)[key] ?? english[key] ?? key, params);
}

function format(template: string, params?: Record<string, string | number>): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) => (name in params ? String(params[name]) : match));
}

/** Host pages may replace any UI string of an element, by translation key; the override applies in every language. */
export type LabelOverrides = Partial<Record<TranslationKey, string>>;

export interface LocalizeHost extends ReactiveControllerHost, HTMLElement {
  labels?: LabelOverrides | undefined;
}

export class LocalizeController implements ReactiveController {
  constructor(private readonly host: LocalizeHost) {
    host.addController(this);
  }

  hostConnected(): void {
    hosts.add(this.host);
    watchDocumentLang();
  }

  hostDisconnected(): void {
    hosts.delete(this.host);
  }

  get locale(): string {
    return pickLocale(resolveLang(this.host));
  }

  /** The host's override of `key` (`labels`), else the translation in the element's language. */
  t(key: TranslationKey, params?: Record<string, string | number>): string {
    // A host page may assign anything to `labels` (or clear an entry with null): only a string overrides.
    const labels: unknown = this.host.labels;
    const override = labels && typeof labels === 'object' ? (labels as Record<string, unknown>)[key] : undefined;
    return typeof override === 'string' ? format(override, params) : translate(this.locale, key, params);
  }

  /** A translated sentence for a known error code, else the server's (English) message. */
  error(error: { code: string; message: string } | undefined): string {
    if (!error) return '';
    const key = `err.${error.code}`;
    return key in english ? this.t(key as TranslationKey) : error.message;
  }

  /** Locale-aware number formatting (positions, minutes). */
  number(value: number): string {
    return new Intl.NumberFormat(this.locale).format(value);
  }
}
