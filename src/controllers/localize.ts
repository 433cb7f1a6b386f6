import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { en, type TranslationKey, type Translation } from '../translations/en.js';
import { cs } from '../translations/cs.js';
import { de } from '../translations/de.js';
import { es } from '../translations/es.js';
import { fr } from '../translations/fr.js';
import { it } from '../translations/it.js';
import { nl } from '../translations/nl.js';

/**
 * Per-element localization. We deliberately do not use @lit/localize's runtime mode: its locale is global
 * to the document, while an embed must follow `lang` on the element (a German consultation inside an English
 * portal). Translations are typed: a locale missing a key does not compile, and a test checks it at runtime.
 */
export const translations: Readonly<Record<string, Translation>> = { en, de, nl, fr, es, it, cs };
export const SUPPORTED_LOCALES = Object.keys(translations);

const hosts = new Set<ReactiveControllerHost>();
let observer: MutationObserver | undefined;

function watchDocumentLang(): void {
  if (observer || typeof MutationObserver === 'undefined') return;
  observer = new MutationObserver(() => hosts.forEach((host) => host.requestUpdate()));
  // The whole light DOM: a host may set lang on any ancestor, or on the element itself.
  observer.observe(document, { subtree: true, attributes: true, attributeFilter: ['lang'] });
}

/** Nearest `lang` walking up through shadow roots, then the document. */
export function resolveLang(element: HTMLElement): string {
  // The property first: Lit renders before it reflects `lang` to the attribute.
  // A host page may assign anything to the property; only a non-empty string is a language.
  if (typeof element.lang === 'string' && element.lang) return element.lang;
  let node: Node | null = element;
  while (node) {
    if (node instanceof Element && node.getAttribute('lang')) return node.getAttribute('lang')!;
    node = node.parentNode ?? (node instanceof ShadowRoot ? node.host : null);
  }
  return document.documentElement.lang || navigator.language || 'en';
}

export function pickLocale(lang: string): string {
  const lower = lang.toLowerCase();
  if (translations[lower]) return lower;
  const base = lower.split(/[-_]/)[0] ?? 'en';
  return translations[base] ? base : 'en';
}

export function translate(locale: string, key: TranslationKey, params?: Record<string, string | number>): string {
  const template = (translations[locale] ?? en)[key] ?? en[key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) => (name in params ? String(params[name]) : match));
}

export class LocalizeController implements ReactiveController {
  constructor(private readonly host: ReactiveControllerHost & HTMLElement) {
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

  t(key: TranslationKey, params?: Record<string, string | number>): string {
    return translate(this.locale, key, params);
  }

  /** A translated sentence for a known error code, else the server's (English) message. */
  error(error: { code: string; message: string } | undefined): string {
    if (!error) return '';
    const key = `err.${error.code}`;
    return key in en ? this.t(key as TranslationKey) : error.message;
  }

  /** Locale-aware number formatting (positions, minutes). */
  number(value: number): string {
    return new Intl.NumberFormat(this.locale).format(value);
  }
}
