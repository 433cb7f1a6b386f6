/**
 * The access-code e-mail and SMS in the consultation's language (the integrator sets `locale` on the consultation;
 * the patient's UI speaks it too). The same languages as the SDK's translations; anything else gets English.
 */
export interface AccessCodeMessage {
  code: string;
  joinUrl: string;
  expiresAt: string;
  locale: string;
}

interface Texts {
  subject: string;
  code: string;
  join: string;
  expires: string;
  sms: string;
}

const texts: Readonly<Record<string, Texts>> = {
  en: {
    subject: 'Your access code for the video consultation',
    code: 'Your access code: {code}',
    join: 'Join here: {url}',
    expires: 'The code works once and expires on {expires}.',
    sms: 'Your video consultation code: {code}',
  },
  de: {
    subject: 'Ihr Zugangscode für die Videosprechstunde',
    code: 'Ihr Zugangscode: {code}',
    join: 'Hier teilnehmen: {url}',
    expires: 'Der Code gilt einmal und läuft am {expires} ab.',
    sms: 'Ihr Code für die Videosprechstunde: {code}',
  },
  fr: {
    subject: "Votre code d'accès pour la téléconsultation",
    code: "Votre code d'accès : {code}",
    join: 'Rejoindre ici : {url}',
    expires: "Le code n'est valable qu'une fois et expire le {expires}.",
    sms: 'Votre code de téléconsultation : {code}',
  },
  nl: {
    subject: 'Uw toegangscode voor het videoconsult',
    code: 'Uw toegangscode: {code}',
    join: 'Deelnemen: {url}',
    expires: 'De code werkt één keer en verloopt op {expires}.',
    sms: 'Uw code voor het videoconsult: {code}',
  },
  es: {
    subject: 'Su código de acceso para la videoconsulta',
    code: 'Su código de acceso: {code}',
    join: 'Únase aquí: {url}',
    expires: 'El código funciona una sola vez y caduca el {expires}.',
    sms: 'Su código para la videoconsulta: {code}',
  },
  it: {
    subject: 'Il suo codice di accesso per la videoconsulenza',
    code: 'Il suo codice di accesso: {code}',
    join: 'Partecipi qui: {url}',
    expires: 'Il codice vale una sola volta e scade il {expires}.',
    sms: 'Il suo codice per la videoconsulenza: {code}',
  },
  cs: {
    subject: 'Váš přístupový kód k videokonzultaci',
    code: 'Váš přístupový kód: {code}',
    join: 'Připojte se zde: {url}',
    expires: 'Kód platí jednou a vyprší {expires}.',
    sms: 'Váš kód k videokonzultaci: {code}',
  },
};

function textsFor(locale: string): { language: string; texts: Texts } {
  const language = locale.toLowerCase().split('-')[0] ?? 'en';
  const found = texts[language];
  return found ? { language, texts: found } : { language: 'en', texts: texts.en! };
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (match, name: string) => values[name] ?? match);
}

/** Subject and plain-text body of the access-code e-mail. */
export function accessCodeMail(message: AccessCodeMessage): { subject: string; text: string } {
  const { language, texts: t } = textsFor(message.locale);
  // The server does not know the patient's time zone: UTC, said so, in the patient's date format.
  const expires = `${new Intl.DateTimeFormat(language, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(message.expiresAt))} UTC`;
  const values = { code: message.code, url: message.joinUrl, expires };
  return { subject: t.subject, text: [fill(t.code, values), '', fill(t.join, values), fill(t.expires, values)].join('\n') };
}

/** The access-code SMS: short, code first, then the link. */
export function accessCodeSms(message: AccessCodeMessage): string {
  return `${fill(textsFor(message.locale).texts.sms, { code: message.code })}\n${message.joinUrl}`;
}
