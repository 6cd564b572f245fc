import type { Alert, StoreRoute } from '../alert';
import type { EventSink } from '../alert-event';
import type { SpeakOutcome, SpeakRequest } from '../announcer';
import type { FollowUps } from '../follow-up';
import type { Incident, IncidentStore } from '../incident';
import type { IncidentChanges } from '../incident-commands';
import type { Clock } from '../ports';

/** What the incident loop is built with: the journal's incidents, the announcer, the PBX and chat sides, the settings. */
export interface IncidentLoopDeps {
  /** The journal's incidents, and their claims and resolves written with what each implies (IncidentCommands). */
  incidents: IncidentStore & IncidentChanges;
  clock: Clock;
  stores: () => ReadonlyMap<string, StoreRoute>;
  /** The journal's alert (a store may answer at once or later). */
  alert: (id: string) => Promise<Alert | undefined>;
  speak: (req: SpeakRequest) => Promise<SpeakOutcome>;
  /** The store's conversation gets one line per change (claimed, resolved, escalated). */
  followUps?: FollowUps;
  muted?: (store: StoreRoute, now: number) => string | undefined;
  /** BRIDGE_REPEAT_S and BRIDGE_REPEAT_MAX (announcements in all, the first included). */
  repeatMs: number;
  repeatMax: number;
  /**
   * BRIDGE_ANNOUNCE_EXPIRE_S: no announcement of an incident is attempted this long after its
   * last alert; then it ends, unheard when none could be placed. Default: never.
   */
  expireMs?: number;
  /**
   * Whether the PBX repeats this store's announcements itself (x-hoppers Smart Notifications, until
   * a headset accepts or BRIDGE_ESCALATE_AFTER_S passes): the bridge then places no repeats there.
   */
  repeatsOnPbx?: (store: StoreRoute) => boolean;
  /** Whether the PBX was seen answering the call of this token (a repeat in flight when its daemon died). */
  answeredOnPbx?: (callToken: string) => boolean | undefined;
  alertText: string;
  /** Several incidents of one room due together: one sentence (`${count}`, `${cameras}`). */
  summaryText?: string;
  claimedText: string;
  events?: EventSink;
  /** Tells logs and metrics what happened to an incident. */
  report?: (e: IncidentNews) => void;
  /** BRIDGE_ESCALATE_AFTER_S: an incident still open this long after its alert is escalated. */
  escalateAfterMs?: number;
  /** Told about an error in background incident work (a journal write failing): it is logged, the daemon goes on. */
  onError?: (err: unknown) => void;
  /** Calls one person of the store's escalation list with the announcement; never throws. */
  callPerson?: (channel: string, req: EscalationCall) => Promise<{ answered: true } | { answered: false; why: string }>;
  /**
   * On a shared journal: whether this daemon holds the conference `room` (default: always).
   * Repeats, escalations, key presses and telling the room happen on its holder only; a claim
   * taken elsewhere reaches the holder through its journal rescan (resume).
   */
  owns?: (room: string) => boolean;
  /**
   * On a shared journal resume() runs at each notification of every daemon's commits: at most
   * once per this many ms (the last call is never dropped). Default: every call runs.
   */
  resumeEveryMs?: number;
}

/** What an escalation call carries: the alert's sentence, and the room a key press claims in. */
export interface EscalationCall {
  incidentId: string;
  alert: Alert;
  store: StoreRoute;
  text: string;
  room: string;
}

export type IncidentNews =
  | { kind: 'announced'; incident: Incident; announcements: number }
  | { kind: 'unclaimed'; incident: Incident }
  | { kind: 'unheard'; incident: Incident; why: string }
  | { kind: 'claimed'; incident: Incident }
  | { kind: 'told'; incident: Incident; heard: boolean; error?: string }
  | { kind: 'resolved'; incident: Incident }
  | { kind: 'repeat-failed'; incident: Incident; error: string }
  | {
      kind: 'escalated';
      incident: Incident;
      outcome: 'answered' | 'nobody-answered' | 'no-list' | 'taken';
      to: string | null;
      note: string;
    };
