import type { Alert, StepName, StoreRoute } from './alert';
import type { CallOriginator, ChatPoster, Clock, Journal, SpeechRenderer, StepFence } from './ports';
import type { RetryPolicy } from './retry-policy';
import type { EventSink } from './alert-event';
import type { IncidentLoopDeps, IncidentNews } from './incident-loop';
import type { FollowUps } from './follow-up';
import type { IncidentStore } from './incident';

/** What the alert pipeline is built from: its ports, its texts and its limits. */
export interface PipelineDeps {
  journal: Journal;
  speech: SpeechRenderer;
  originator: CallOriginator;
  chat: ChatPoster;
  clock: Clock;
  /** The current stores by store_veesion_id (a function: the store list can be reloaded). */
  stores: () => ReadonlyMap<string, StoreRoute>;
  alertText: string;
  /** Said for several alerts of one camera merged into one announcement (`${count}`). */
  manyAlertsText?: string;
  /** Said for several cameras of one conference due at once (`${count}`, `${cameras}`). */
  summaryText?: string;
  /** Storm control: one announcement per camera per window (0: off), waiting announcements per conference. */
  storm?: { windowMs?: number; queueMax?: number };
  /** Why announcements for this store are muted now (quiet hours, `silence`), or undefined. */
  muted?: (store: StoreRoute, now: number) => string | undefined;
  policies?: Record<StepName, RetryPolicy>;
  /** Where alert events for integrations go (the journal); none: no events. */
  events?: EventSink;
  /** Concurrent speech renderings (CPU-bound engine + ffmpeg) and chat posts; chat posts a second. */
  limits?: { renders?: number; chatPosts?: number; chatPerSecond?: number };
  /** Incidents: repeated until claimed, then told. None: alerts only. */
  incidents?: {
    store: IncidentStore;
    /** The alert behind an incident, from the journal the incidents are in. */
    alert: IncidentLoopDeps['alert'];
    /** Several daemons: whether this one holds conference `room` (its repeats, escalations, key presses). */
    owns?: (room: string) => boolean;
    /** Several daemons: resume() at most this often (it runs at each of their commits' notifications). */
    resumeEveryMs?: number;
    repeatMs: number;
    repeatMax: number;
    claimedText?: string;
    report?: (e: IncidentNews) => void;
    escalateAfterMs?: number;
    callPerson?: IncidentLoopDeps['callPerson'];
    onError?: (err: unknown) => void;
    repeatsOnPbx?: IncidentLoopDeps['repeatsOnPbx'];
    followUps?: FollowUps;
  };
  /**
   * Several daemons on one journal: whether this one does the store's steps now (it holds the
   * lease of the store's conference). A step of a store it does not own is left to the owner,
   * and one under way is abandoned, unrecorded, before its call or post. None: all are ours.
   */
  owns?: (store: StoreRoute) => boolean;
  /** The lease a call's record depends on (a shared journal): written only while it is held. */
  fence?: (store: StoreRoute) => StepFence | undefined;
  /** Whether an announcement is playing in a conference now (AMI ConfbridgeList); none: not asked. */
  announcing?: (room: string) => Promise<boolean>;
  /** Whether anyone is in the store's conference room (AMI ConfbridgeList); none: not asked. */
  roomPresence?: (store: StoreRoute) => Promise<'occupied' | 'empty' | 'unknown'>;
}

export type IngestOutcome = 'accepted' | 'duplicate' | 'unroutable';

export interface Work {
  alert: Alert;
  store: StoreRoute;
  /** Where the step's retry window starts: receipt, or the replay that restarted it. */
  windowFrom: number;
  /** The token of the first attempt's call, written with the alert (NewAlertRecord.announceCall). */
  firstCall?: string;
}
