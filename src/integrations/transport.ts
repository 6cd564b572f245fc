import type { Integration } from './integration';

/** One attempt to hand an event to an integration. */
export interface DeliveryAttempt {
  integration: Pick<Integration, 'id' | 'type' | 'url' | 'secret'>;
  eventId: string;
  eventType: string;
  /** The envelope, serialised once: these bytes are signed and sent. */
  body: string;
  now: number;
}

export type DeliveryResult =
  | { ok: true; status: number; answer: string }
  | {
      ok: false;
      /** The receiver's status, when it answered. */
      status?: number;
      /** 410 Gone: the receiver wants no more events. */
      gone?: boolean;
      retryAfterMs?: number;
      error: string;
      answer?: string;
    };

/** A way to deliver (webhook, SQS). Never throws: every failure is a DeliveryResult. */
export interface EventTransport {
  send(attempt: DeliveryAttempt): Promise<DeliveryResult>;
}
