import type { Alert, StepName, StepState, StoreRoute } from './alert';
import type { Incident } from './incident';

/** The events forwarded to integrations. */
export const ALERT_EVENT_TYPES = [
  'alert.received',
  'alert.announced',
  'alert.posted',
  'alert.failed',
  'alert.claimed',
  'alert.escalated',
  'alert.resolved',
  'alert.unheard',
] as const;
export type AlertEventType = (typeof ALERT_EVENT_TYPES)[number];

/** What an integration receives as `data`: the alert, its store, and the step's outcome. */
export interface AlertEventData {
  /** The normalised alert; the video is its link (`videoUrl`), never the bytes. */
  alert: Alert;
  /** The store's fields from x-hoppers.json; null for an alert of an unconfigured store. */
  store: {
    store_veesion_id: string;
    name: string;
    location: string | null;
    audio_conf_id: string;
    xbees_channel_id: string;
  } | null;
  /** The step this event reports (absent for alert.received). */
  step?: { name: StepName; state: StepState; attempts: number; detail: string | null; error: string | null };
  /** The incident the event reports (alert.claimed, alert.resolved): who, when, how, the outcome. */
  incident?: Pick<
    Incident,
    | 'id'
    | 'state'
    | 'cameraId'
    | 'alerts'
    | 'announcements'
    | 'claimedBy'
    | 'claimedAt'
    | 'claimedVia'
    | 'outcome'
    | 'resolvedBy'
    | 'resolvedAt'
    | 'openedAt'
    | 'escalatedAt'
    | 'escalatedTo'
    | 'escalationNote'
  >;
}

/**
 * An event as the journal keeps it, until every integration has had it. The journal gives it
 * its id; it is written in the same transaction as the change it reports, so a crash never
 * loses an event nor repeats one.
 */
export interface AlertEvent {
  type: AlertEventType;
  /** When it happened (ms since the epoch). */
  time: number;
  alertId: string;
  /** For scopes: the alert's store id, and the store's location when it is configured. */
  storeId: string;
  location: string | null;
  data: AlertEventData;
}

/** Stores and consumes AlertEvents durably (the journal). */
export interface EventSink {
  /** Kept with the step updates of the same moment: one transaction. */
  recordEvent(event: AlertEvent): void;
}

export function receivedEvent(alert: Alert, store: StoreRoute | undefined, time: number): AlertEvent {
  return {
    type: 'alert.received',
    time,
    alertId: alert.id,
    storeId: alert.storeId,
    location: store?.location ?? null,
    data: { alert, store: storeFields(store) },
  };
}

/** alert.claimed / alert.resolved, reported against the incident's first alert. */
/** The events an incident's changes send (the others report an alert's steps). */
export type IncidentEventType = 'alert.claimed' | 'alert.escalated' | 'alert.resolved' | 'alert.unheard';

export function incidentEvent(
  type: IncidentEventType,
  alert: Alert,
  store: StoreRoute | undefined,
  i: Incident,
  time: number,
): AlertEvent {
  const incident = {
    id: i.id,
    state: i.state,
    cameraId: i.cameraId,
    alerts: i.alerts,
    announcements: i.announcements,
    openedAt: i.openedAt,
    claimedBy: i.claimedBy,
    claimedAt: i.claimedAt,
    claimedVia: i.claimedVia,
    outcome: i.outcome,
    resolvedBy: i.resolvedBy,
    resolvedAt: i.resolvedAt,
    escalatedAt: i.escalatedAt,
    escalatedTo: i.escalatedTo,
    escalationNote: i.escalationNote,
  };
  return {
    type,
    time,
    alertId: alert.id,
    storeId: alert.storeId,
    location: store?.location ?? null,
    data: { alert, store: storeFields(store), incident },
  };
}

/** The event a step's final state reports, if any: muted announcements are not failures. */
export function stepEvent(
  alert: Alert,
  store: StoreRoute,
  step: { name: StepName; state: StepState; attempts: number; detail: string | null; error: string | null },
  time: number,
): AlertEvent | undefined {
  const type = eventTypeFor(step.name, step.state);
  if (!type) return undefined;
  return {
    type,
    time,
    alertId: alert.id,
    storeId: alert.storeId,
    location: store.location ?? null,
    data: { alert, store: storeFields(store), step },
  };
}

function eventTypeFor(step: StepName, state: StepState): AlertEventType | undefined {
  switch (state) {
    case 'succeeded':
      return step === 'announce' ? 'alert.announced' : 'alert.posted';
    case 'dead':
    case 'expired':
      return 'alert.failed';
    case 'pending':
    case 'running':
    case 'muted':
      return undefined;
  }
}

function storeFields(store: StoreRoute | undefined): AlertEventData['store'] {
  if (!store) return null;
  return {
    store_veesion_id: store.store_veesion_id,
    name: store.name,
    location: store.location ?? null,
    audio_conf_id: store.audio_conf_id,
    xbees_channel_id: store.xbees_channel_id,
  };
}
