import type { Alert, AlertStatus, StepName, StepState, StoreRoute } from './alert';
import type { AlertEvent } from './alert-event';
import type { StepCall } from './step-call';

/** Ports the pure pipeline needs; adapters live in journal/, tts/, pbx/, chat/. */

export type { StepCall } from './step-call';

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

export interface NewAlertRecord {
  alert: Alert;
  status: AlertStatus;
  rawBody: string;
  receivedAt: number;
  steps: StepName[];
  /** Written only if the alert is new (a duplicate reports nothing). */
  events?: AlertEvent[];
  /** Join the live incident of its camera within this window, or open one (routed alerts). */
  /** `firstRepeatAt`: when a new incident's first repeat is due, written with it (no second write). */
  incident?: { room: string; windowMs: number; firstRepeatAt?: number };
  /**
   * The token of the announcement's first call, written with the alert: its announce step goes in
   * `running` with this call `calling`, so the call can be placed without a second durable write
   * (a restart or a takeover then asks the PBX whether this very call was answered).
   */
  announceCall?: string;
}

export interface StepRecord {
  alertId: string;
  step: StepName;
  state: StepState;
  attempts: number;
  nextAt: number | null;
  lastError: string | null;
  detail: string | null;
  updatedAt: number;
  /** When the step's retry window started, if not at receipt (a replay restarts it). */
  windowFrom?: number | null;
  /**
   * The announcement's call while the step runs: placed (its token names it on the PBX) or
   * answered and being heard out. Absent or null once the step is pending or final.
   */
  call?: StepCall | null;
}

/** Who must still hold which lease for a write to count (a shared journal). */
export interface StepFence {
  lease: string;
  holder: string;
}

/** commitStep refused: the daemon no longer holds the lease its write depended on. */
export class FenceLost extends Error {
  constructor(fence: StepFence) {
    super(`lease ${fence.lease} is no longer held by ${fence.holder}`);
    this.name = 'FenceLost';
  }
}

export interface StoredAlert {
  alert: Alert;
  status: AlertStatus;
  receivedAt: number;
}

export interface Journal {
  /** Durably records a new alert and its pending steps; 'duplicate' if the id is known. */
  append(record: NewAlertRecord): Promise<'new' | 'duplicate'>;
  updateStep(record: StepRecord): void;
  /**
   * updateStep, resolved once the update is durably written (rejected if it could not be). With
   * a fence, written only while `fence.holder` holds the lease `fence.lease` (several daemons on
   * one journal); rejected with FenceLost otherwise.
   */
  commitStep(record: StepRecord, fence?: StepFence): Promise<void>;
  /** Every step not in a final state, oldest alert first (crash recovery). */
  unfinishedSteps(): Promise<StepRecord[]>;
  getAlert(id: string): Promise<StoredAlert | undefined>;
  /** getAlert for many at once (a server journal: one round trip); absent: getAlert each. */
  getAlerts?(ids: readonly string[]): Promise<Map<string, StoredAlert>>;
}

export interface RenderedSpeech {
  /** Absolute path of the audio file without its extension (as Asterisk Playback wants it). */
  playbackPath: string;
  durationMs: number;
  cached: boolean;
}

export interface SpeechRenderer {
  /** `language` (a store's, e.g. fr-FR) picks the engine and voice; absent: the global ones. */
  render(text: string, language?: string): Promise<RenderedSpeech>;
  /** The same audio when it is rendered and known to be readable now, without waiting; else undefined. */
  cached?(text: string, language?: string): RenderedSpeech | undefined;
}

export interface OriginateRequest {
  alertId: string;
  /** Every alert one call says (a merged or summary announcement); absent: just `alertId`. */
  alertIds?: readonly string[];
  store: StoreRoute;
  speech: RenderedSpeech;
  /** The sentence the audio says (a delivery that speaks it itself, x-hoppers Smart Notifications, takes the text). */
  text?: string;
  variables: Record<string, string>;
  /**
   * Names this call on the PBX, written to the journal before the call is placed: a daemon
   * taking over after a crash asks the originator whether the call was answered.
   */
  callToken?: string;
}

export interface PlacedCall {
  channel: string;
  /** Which originator placed it (`ami`, `callfile`, `wildix-api`), when several are configured. */
  via?: string;
  /** A Smart Notification's request id on the PBX (its accept is read by that id). */
  requestId?: string;
  /**
   * Settles when the PBX reports the call hung up, if the adapter can see that (AMI can; a call
   * file or the REST API cannot). A call that ends well before its audio did not play it.
   */
  ended?: Promise<void>;
}

export interface CallOriginator {
  /** Resolves once the PBX confirms the call was answered; throws StepError otherwise. */
  originate(req: OriginateRequest): Promise<PlacedCall>;
  /**
   * Whether the call of `callToken` (placed by any daemon) was answered, as far as this one saw
   * on the PBX; undefined when it cannot tell (then the call is placed again).
   */
  answered?(callToken: string): boolean | undefined;
  /** Settles when the call of `callToken` (placed by any daemon) hangs up; undefined when not followed. */
  callEnded?(callToken: string): Promise<void> | undefined;
  /** Settles once every call this daemon placed has hung up (a stop hands the conferences over after). */
  idle?(): Promise<void>;
  /** Hears every call with a token answered on the PBX that another daemon placed. */
  onAnsweredElsewhere?(listener: (callToken: string, channel: string) => void): void;
}

export interface ChatPoster {
  post(alert: Alert, store: StoreRoute): Promise<{ messageId: string; videoAttached: boolean }>;
  /** A follow-up line in the store's conversation (who took an incident). */
  postText(store: StoreRoute, text: string): Promise<{ messageId: string }>;
}

export interface StepEvent {
  alertId: string;
  step: StepName;
  state: StepState;
  attempt: number;
  storeId: string;
  durationMs?: number;
  error?: string;
  detail?: string;
  /** When a failed step is tried again (state pending), and how long from the failure that is. */
  nextAt?: number;
  retryInMs?: number;
}

/** Observers of step progress: logs, metrics, the demo's live output. */
export type StepListener = (event: StepEvent) => void;
