import type { StoreRoute } from './alert';
import type { Incident, Outcome } from './incident';

/**
 * The chat lines that follow an alert in its store's conversation, one per change of its
 * incident: who took it, what it turned out to be, who was called when nobody did.
 */
export const FOLLOW_UP_KINDS = ['claimed', 'resolved', 'escalated', 'unheard'] as const;
export type FollowUpKind = (typeof FOLLOW_UP_KINDS)[number];

export interface FollowUpRequest {
  incidentId: string;
  storeId: string;
  kind: FollowUpKind;
  text: string;
}

/** Where follow-ups are owed: kept (once per incident and kind) until the chat took them. */
export interface FollowUps {
  /** False when this incident already has a follow-up of this kind (one per change). */
  add(req: FollowUpRequest, at: number): Promise<boolean>;
  /** Lines written with a claim or resolve, in its own transaction: posted now. */
  written?(): void;
}

/** A follow-up line owed to a store's conversation, and how its posting stands. */
export interface FollowUp extends FollowUpRequest {
  createdAt: number;
  attempts: number;
  /** When the next attempt is due; null once posted or given up. */
  nextAt: number | null;
  postedAt: number | null;
  lastError: string | null;
}

/** The journal's side of follow-ups, as the chat's sender sees it. */
export interface FollowUpOutbox extends FollowUps {
  due(now: number): Promise<FollowUp[]>;
  nextDueAt(): Promise<number | null>;
  posted(incidentId: string, kind: FollowUpKind, at: number): Promise<void>;
  /** An attempt failed: again at `nextAt`, or never (null: given up). */
  failed(incidentId: string, kind: FollowUpKind, error: string, nextAt: number | null): Promise<void>;
}

/** "Anna is on it (14 s after the alert, camera 3)". */
export function claimedLine(incident: Incident): string {
  const by = incident.claimedBy ?? 'someone';
  const after =
    incident.claimedAt !== null
      ? `${Math.max(0, Math.round((incident.claimedAt - incident.openedAt) / 1000))} s after the alert, `
      : '';
  return `${by} is on it (${after}camera ${incident.cameraId})`;
}

const RESOLVED: Record<Outcome, (by: string) => string> = {
  theft: (by) => `Theft confirmed by ${by}`,
  'false-alarm': (by) => `False alarm, says ${by}`,
  'not-found': (by) => `Not found: ${by} found nobody`,
  'no-outcome': () => 'Closed with no outcome: nobody said what it turned out to be',
};

/** Said once when none of an incident's announcements could be placed before they expired. */
export function unheardLine(incident: Incident): string {
  return `This alert was not announced in the headsets: the PBX could not place the call in time (camera ${incident.cameraId})`;
}

/** "Theft confirmed by Anna (camera 3)". */
export function resolvedLine(incident: Incident): string {
  const outcome = incident.outcome ?? 'no-outcome';
  return `${RESOLVED[outcome](incident.resolvedBy ?? 'someone')} (camera ${incident.cameraId})`;
}

/** How an escalation ended, for the chat: `not-called` is a list the bridge could not call (no AMI). */
export type EscalationOutcome = 'answered' | 'nobody-answered' | 'no-list' | 'not-called' | 'taken';

/** "Nobody claimed this alert; Marco (manager) was called". */
export function escalatedLine(
  outcome: EscalationOutcome,
  store: StoreRoute | undefined,
  to: string | null,
  called: string[],
  cameraId: string,
): string {
  const name = (channel: string) => store?.escalation_names?.[channel] ?? channel;
  const camera = ` (camera ${cameraId})`;
  switch (outcome) {
    case 'answered':
      return `Nobody claimed this alert; ${name(to ?? 'someone')} was called${camera}`;
    case 'nobody-answered':
      return `Nobody claimed this alert; ${called.map(name).join(', ')} ${called.length > 1 ? 'were' : 'was'} called and nobody answered${camera}`;
    case 'no-list':
      return `Nobody claimed this alert, and this store has no escalation list: nobody was called${camera}`;
    case 'not-called':
      return `Nobody claimed this alert, and the escalation list could not be called (the bridge has no PBX connection for calls)${camera}`;
    case 'taken':
      return `Someone took this alert while the escalation list was being called${camera}`;
  }
}
