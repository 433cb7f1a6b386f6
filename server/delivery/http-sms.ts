import type { Config } from '../config.js';
import type { CodeSender } from '../context.js';
import { accessCodeSms, type AccessCodeMessage } from './access-code-text.js';

type SmsConfig = NonNullable<Config['sms']>;

/**
 * A pluggable SMS gateway: POSTs `{ to, from?, text }` as JSON to the configured URL (with an optional
 * bearer token). Adapt a provider with a small relay, or replace this with deps.sms. The number is used
 * for this request only: not logged, not stored.
 */
export class HttpSmsSender implements CodeSender {
  constructor(private readonly sms: SmsConfig) {}

  async sendAccessCode(to: string, message: AccessCodeMessage): Promise<void> {
    const res = await fetch(this.sms.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.sms.bearerToken ? { authorization: `Bearer ${this.sms.bearerToken}` } : {}),
      },
      body: JSON.stringify({
        to,
        ...(this.sms.from ? { from: this.sms.from } : {}),
        text: accessCodeSms(message),
      }),
      redirect: 'error',
      signal: AbortSignal.timeout(10_000),
    });
    // Drain the body; its content may echo the number, so it is never logged.
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new Error(`SMS gateway answered ${res.status}`);
  }
}
