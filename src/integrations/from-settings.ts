import type { Settings } from '../config/settings-schema';
import type { Logger } from '../log/logger';
import type { IntegrationType } from './integration';
import type { MailNotifier } from './operator-notice';
import type { SqsSender } from './sqs-sender';
import type { DeliveryAttempt, DeliveryResult, EventTransport } from './transport';
import { WebhookSender } from './webhook-sender';

/** The daemon's and `integrations test`'s ways to deliver, from env.custom.ini. */
export function transportsFor(s: Settings): { transports: Record<IntegrationType, EventTransport>; stop(): void } {
  // The AWS SDK is loaded at the first SQS delivery: a daemon without an SQS integration
  // (most of them) never carries its weight.
  let sqs: SqsSender | undefined;
  const lazySqs: EventTransport = {
    send: (attempt: DeliveryAttempt): Promise<DeliveryResult> => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose (memory)
      sqs ??= new (require('./sqs-sender') as typeof import('./sqs-sender')).SqsSender({
        region: s.BRIDGE_SQS_REGION,
        endpoint: s.BRIDGE_SQS_ENDPOINT,
        credentials:
          s.BRIDGE_SQS_ACCESS_KEY_ID && s.BRIDGE_SQS_SECRET_ACCESS_KEY
            ? { accessKeyId: s.BRIDGE_SQS_ACCESS_KEY_ID, secretAccessKey: s.BRIDGE_SQS_SECRET_ACCESS_KEY }
            : undefined,
        timeoutMs: s.BRIDGE_INTEGRATION_TIMEOUT_MS,
      });
      return sqs.send(attempt);
    },
  };
  const webhook = new WebhookSender({ timeoutMs: s.BRIDGE_INTEGRATION_TIMEOUT_MS, userAgent: 'veesion-bridge' });
  return { transports: { webhook, sqs: lazySqs }, stop: () => sqs?.stop() };
}

/** Operator notices by e-mail, when BRIDGE_SMTP_HOST and BRIDGE_OPERATOR_EMAIL are set. */
export function notifierFor(s: Settings, logger: Logger): MailNotifier | undefined {
  if (!s.BRIDGE_SMTP_HOST || !s.BRIDGE_OPERATOR_EMAIL) return undefined;
  // nodemailer is loaded only when notices are configured.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose (memory)
  const { MailNotifier: Notifier } = require('./operator-notice') as typeof import('./operator-notice');
  return new Notifier(
    {
      host: s.BRIDGE_SMTP_HOST,
      port: s.BRIDGE_SMTP_PORT,
      security: s.BRIDGE_SMTP_SECURITY,
      username: s.BRIDGE_SMTP_USERNAME,
      password: s.BRIDGE_SMTP_PASSWORD,
      from: s.BRIDGE_SMTP_FROM,
      to: s.BRIDGE_OPERATOR_EMAIL,
      timeoutMs: 10_000,
    },
    logger,
  );
}
