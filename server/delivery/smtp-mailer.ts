import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { Config } from '../config.js';
import type { CodeSender } from '../context.js';
import { accessCodeMail, type AccessCodeMessage } from './access-code-text.js';

type SmtpConfig = NonNullable<Config['smtp']>;

/**
 * Sends access codes over SMTP. The recipient address is passed straight to the transport and
 * forgotten: it is not logged, stored or kept in memory after the call.
 */
export class SmtpMailer implements CodeSender {
  private readonly transport: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(private readonly smtp: SmtpConfig) {
    this.transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      requireTLS: smtp.requireTLS,
      ...(smtp.auth ? { auth: { user: smtp.auth.user, pass: smtp.auth.pass } } : {}),
      // No logging: nodemailer's logger would print envelopes (addresses).
      logger: false,
      debug: false,
      connectionTimeout: 10_000,
      socketTimeout: 20_000,
    });
  }

  async sendAccessCode(to: string, message: AccessCodeMessage): Promise<void> {
    await this.transport.sendMail({ from: this.smtp.from, to, ...accessCodeMail(message) });
  }

  close(): void {
    this.transport.close();
  }
}
