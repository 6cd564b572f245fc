import type { StoredEvent } from './integration';

/** The `ping` that `integrations test` sends: same envelope, no alert. */
export const PING_TYPE = 'ping';

/**
 * The JSON every integration receives: `{id, time, type, attempt,
 * integrationId, data}`. `id` is the event's and stays the same across attempts (receivers
 * dedupe on it); `time` is when the event happened, in ms since the epoch (as Wildix sends it).
 * The body is serialised once per attempt and these exact bytes are signed and sent.
 */
export function envelopeBody(
  event: Pick<StoredEvent, 'id' | 'time' | 'type' | 'data'> | PingEvent,
  integrationId: string,
  attempt: number,
): string {
  return JSON.stringify({ id: event.id, time: event.time, type: event.type, attempt, integrationId, data: event.data });
}

export interface PingEvent {
  id: string;
  time: number;
  type: typeof PING_TYPE;
  data: { message: string };
}

export function pingEvent(id: string, time: number): PingEvent {
  return { id, time, type: PING_TYPE, data: { message: 'veesion-bridge integration test' } };
}
