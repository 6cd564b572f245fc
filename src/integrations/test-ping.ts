import { randomUUID } from 'node:crypto';
import { envelopeBody, pingEvent } from './envelope';
import type { Integration, IntegrationType } from './integration';
import type { EventTransport } from './transport';

export interface PingResult {
  eventId: string;
  delivered: boolean;
  /** The receiver's HTTP status, or null when it never answered. */
  status: number | null;
  durationMs: number;
  /** What the receiver answered (its body), if anything. */
  answer: string | null;
  /** Why it was not delivered. */
  error: string | null;
}

/**
 * `integrations test` (CLI and admin API): a signed `ping` in the events' envelope, sent once
 * by the integration's own transport, and what the receiver made of it. Never throws.
 */
export async function sendTestPing(
  integration: Pick<Integration, 'id' | 'type' | 'url' | 'secret'>,
  transports: Record<IntegrationType, EventTransport>,
  now: () => number,
): Promise<PingResult> {
  const started = now();
  const ping = pingEvent(`evt_${randomUUID()}`, started);
  const result = await transports[integration.type].send({
    integration,
    eventId: ping.id,
    eventType: ping.type,
    body: envelopeBody(ping, integration.id, 1),
    now: started,
  });
  return {
    eventId: ping.id,
    delivered: result.ok,
    status: result.status ?? null,
    durationMs: now() - started,
    answer: result.answer ?? null,
    error: result.ok ? null : result.error,
  };
}
