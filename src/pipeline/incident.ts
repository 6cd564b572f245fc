import type { StepCall } from './step-call';

/**
 * An incident: the alerts of one store and camera that staff act on. Storm
 * control's per-camera window is its boundary: an alert within the window of a live incident
 * of its camera joins it. open -> claimed (who, when, how) -> resolved (outcome); an open
 * incident nobody claims after its last repeat ends `unclaimed` (heard, not taken), one none of
 * whose announcements could be placed before they expired ends `unheard`.
 */
export const INCIDENT_STATES = ['open', 'claimed', 'resolved', 'unclaimed', 'unheard'] as const;
/** Ended with nobody taking it: still claimable for a while, and its escalation list is called. */
export const UNTAKEN_STATES: readonly IncidentState[] = ['unclaimed', 'unheard'];
export type IncidentState = (typeof INCIDENT_STATES)[number];

export const OUTCOMES = ['theft', 'false-alarm', 'not-found', 'no-outcome'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** How a claim arrived. */
export type ClaimVia = 'conference' | 'cli' | 'http' | 'chat' | 'escalation' | 'headset';

export interface Incident {
  id: string;
  storeId: string;
  cameraId: string;
  /** The store's audio_conf_id when it opened. */
  room: string;
  state: IncidentState;
  openedAt: number;
  firstAlertId: string;
  lastAlertId: string;
  lastAlertAt: number;
  alerts: number;
  /** Announcement turns so far (the first and its repeats; a muted turn counts, a failed one not). */
  announcements: number;
  nextRepeatAt: number | null;
  /** The call that last counted (a merged announcement counts once, even across a restart). */
  lastCall: string | null;
  /** A repeat's call in flight: whoever resumes the incident knows whether it was heard. */
  call: StepCall | null;
  claimedBy: string | null;
  claimedAt: number | null;
  claimedVia: ClaimVia | null;
  /** The conference and the chat have been told who claimed it. */
  told: boolean;
  outcome: Outcome | null;
  resolvedBy: string | null;
  resolvedAt: number | null;
  /** When the escalation list was called, who answered (a channel), or why nobody could be. */
  escalatedAt: number | null;
  escalatedTo: string | null;
  escalationNote: string | null;
}

export type ClaimResult =
  | { kind: 'claimed'; incident: Incident }
  /** Someone was first: this claim is kept as a second. */
  | { kind: 'already'; incident: Incident }
  | { kind: 'not-found'; ref: string }
  /** Resolved: nothing left to take. */
  | { kind: 'closed'; incident: Incident };

export type ResolveResult =
  | { kind: 'resolved'; incident: Incident }
  | { kind: 'already'; incident: Incident }
  | { kind: 'not-found'; ref: string };

/**
 * The journal's incidents, as the pipeline and the operator commands see them. On a shared
 * journal several daemons use one store: every change is one statement or one transaction that
 * locks the incident, so two claims racing (a key press and the CLI, or two daemons) cannot both win.
 */
export interface IncidentStore {
  get(id: string): Promise<Incident | undefined>;
  /** An incident id, or an alert id of one of its alerts. */
  find(ref: string): Promise<Incident | undefined>;
  /** Open incidents, claimed ones not told yet and unclaimed ones whose escalation did not finish, oldest first. */
  live(): Promise<Incident[]>;
  list(state?: IncidentState): Promise<Incident[]>;
  /** The oldest open incident of a conference room, or one left unclaimed since `since`. */
  oldestOpenInRoom(room: string, since: number): Promise<Incident | undefined>;
  /**
   * Only while the incident is open, and only once per call (`callToken`, when the turn was a
   * call): false when it no longer was open (a claim landed first) or that call already counted.
   * Clears the repeat's call in flight.
   */
  recordAnnouncement(
    id: string,
    announcements: number,
    nextRepeatAt: number | null,
    state: IncidentState,
    at: number,
    callToken?: string,
  ): Promise<boolean>;
  /** A repeat's call, placed or answered, for these open incidents (null: none in flight). */
  recordCall(ids: readonly string[], call: StepCall | null): Promise<void>;
  /** Whether an announce step of one of its alerts has not ended yet (queued, retrying, or its call in flight). */
  announcePending(id: string): Promise<boolean>;
  /** The first claim of an open incident wins; every claim is kept. */
  claim(id: string, by: string, via: ClaimVia, at: number): Promise<ClaimResult>;
  markTold(id: string, at: number): Promise<void>;
  resolve(id: string, outcome: Outcome, by: string | null, at: number): Promise<ResolveResult>;
  /** Marks an open or unclaimed incident as being escalated, once: false when it already was (or is no longer open). */
  startEscalation(id: string, at: number): Promise<boolean>;
  /** Who answered the escalation (a channel), or null, and what happened. */
  finishEscalation(id: string, to: string | null, note: string, at: number): Promise<void>;
  /** Claimed incidents nobody resolved, claimed before `cutoff`. */
  claimedBefore(cutoff: number): Promise<Incident[]>;
  /** The room's most recent incident opened at or before `at` and still live or changed since `since`. */
  latestInRoom(room: string, at: number, since: number): Promise<Incident | undefined>;
  recordActivity(a: IncidentActivity): Promise<void>;
  activity(id: string): Promise<IncidentActivity[]>;
  /** Incidents nobody has claimed yet (the open-incidents gauge). */
  countOpen(): Promise<number>;
  /** Housekeeping: finished incidents last changed before `cutoff`, with their claims and activity. */
  pruneFinished(cutoff: number): Promise<number>;
}

/** Who was on the call or in the room while an incident played (from Wildix's call and conference events). */
export interface IncidentActivity {
  incidentId: string;
  at: number;
  /** The Wildix event type, e.g. `call:start`, `conference:live:join`. */
  kind: string;
  who: string | null;
  detail: string | null;
}
