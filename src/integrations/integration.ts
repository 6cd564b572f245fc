import { ALERT_EVENT_TYPES, type AlertEventData, type AlertEventType } from '../pipeline/alert-event';

export const INTEGRATION_TYPES = ['webhook', 'sqs'] as const;
export type IntegrationType = (typeof INTEGRATION_TYPES)[number];
export { ALERT_EVENT_TYPES };

/** An outbound integration: where events go, which, and for which stores. */
export interface Integration {
  id: string;
  type: IntegrationType;
  /** The receiver's URL, or the SQS queue URL. */
  url: string;
  /** Signs every request; generated at `integrations add` and shown once. */
  secret: string;
  filter: AlertEventType[];
  /** `all`, a store location, or a store_veesion_id (WeSeeDo's levels). */
  scope: string;
  createdAt: number;
  enabled: boolean;
  disabledReason: string | null;
}

/** Where an integration stands in its event stream; kept in the journal across restarts. */
export interface DeliveryState {
  /** The seq of the last event settled (delivered, skipped or given up). */
  cursor: number;
  /** Attempts made on the next event (the oldest undelivered one). */
  attempts: number;
  nextAt: number | null;
  lastError: string | null;
  lastNoticeAt: number | null;
  /** Events given up since the last operator notice (told in the next one). */
  unnoticedDead: number;
}

/** An event from the journal's outbox, without its data (enough to pick and settle it). */
export interface EventHead {
  seq: number;
  id: string;
  type: AlertEventType;
  alertId: string;
  storeId: string;
  location: string | null;
  time: number;
}

export interface StoredEvent extends EventHead {
  data: AlertEventData;
}

/** Whether an integration wants this event: its type is in the filter and its store in scope. */
/**
 * What the deliveries read and write of the journal: the integrations, the events after each
 * one's place, and its delivery state. SQLite answers at once; the shared PostgreSQL journal later.
 */
export interface DeliveryStore {
  list(): Promise<(Integration & DeliveryState)[]>;
  get(id: string): Promise<(Integration & DeliveryState) | undefined>;
  /** The next events after `cursor`, oldest first, without their data. */
  eventsAfter(cursor: number, limit?: number): Promise<EventHead[]>;
  event(seq: number): Promise<StoredEvent | undefined>;
  /** Moves past events this integration does not want. */
  skipTo(id: string, seq: number): Promise<void>;
  /** The event is settled: delivered, or given up after its last attempt. */
  settle(
    id: string,
    event: EventHead,
    outcome: 'delivered' | 'dead',
    attempts: number,
    error: string | null,
    at: number,
  ): Promise<void>;
  /** A failed attempt on the oldest undelivered event; the next one is due at `nextAt`. */
  retryAt(id: string, attempts: number, nextAt: number, error: string): Promise<void>;
  /** The receiver said 410 Gone: no more deliveries until an operator acts. */
  disable(id: string, reason: string): Promise<void>;
  noticeSent(id: string, at: number): Promise<void>;
}

export function wants(
  integration: Pick<Integration, 'filter' | 'scope'>,
  event: Pick<EventHead, 'type' | 'storeId' | 'location'>,
): boolean {
  if (!integration.filter.includes(event.type)) return false;
  const { scope } = integration;
  return scope === 'all' || scope === event.storeId || (event.location !== null && scope === event.location);
}

/** A URL as logs and the CLI show it: a password or query values (often tokens) hidden. */
export function displayUrl(url: string): string {
  if (!URL.canParse(url)) return url;
  const u = new URL(url);
  if (u.password) u.password = 'HIDDEN';
  for (const key of [...u.searchParams.keys()]) u.searchParams.set(key, 'HIDDEN');
  return u.toString();
}
