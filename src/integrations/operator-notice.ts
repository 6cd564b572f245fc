import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from '../log/logger';

export interface MailSettings {
  host: string;
  port: number;
  /** `tls`: TLS from the start (port 465); `starttls`: upgrade required; `none`: plain (a local relay). */
  security: 'tls' | 'starttls' | 'none';
  username?: string | undefined;
  password?: string | undefined;
  from: string;
  to: string[];
  timeoutMs: number;
}

/** Tells an operator something needs them; false when the message could not be sent. */
export interface OperatorNotifier {
  notify(subject: string, text: string): Promise<boolean>;
}

/** Operator notices by e-mail over SMTP (nodemailer). A failed send is logged, never thrown. */
export class MailNotifier implements OperatorNotifier {
  private readonly transport: Transporter;

  constructor(
    private readonly settings: MailSettings,
    private readonly logger: Logger,
  ) {
    this.transport = nodemailer.createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.security === 'tls',
      requireTLS: settings.security === 'starttls',
      ignoreTLS: settings.security === 'none',
      ...(settings.username ? { auth: { user: settings.username, pass: settings.password ?? '' } } : {}),
      connectionTimeout: settings.timeoutMs,
      greetingTimeout: settings.timeoutMs,
      socketTimeout: settings.timeoutMs,
    });
  }

  async notify(subject: string, text: string): Promise<boolean> {
    try {
      await this.transport.sendMail({ from: this.settings.from, to: this.settings.to, subject, text });
      this.logger.info('operator notice sent', { subject, to: this.settings.to });
      return true;
    } catch (err) {
      this.logger.error('operator notice could not be sent: check the BRIDGE_SMTP_* settings', { subject, err });
      return false;
    }
  }

  close(): void {
    this.transport.close();
  }
}
