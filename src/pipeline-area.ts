import type { Settings } from './config/settings-schema';
import { type Area, type RescanReason, type StopDeadline, outlastsDeadline } from './area';
import type { Logger } from './log/logger';
import type { BridgeMetrics } from './http/metrics';
import { stepLogger } from './log/step-log';
import { incidentReporter } from './log/incident-log';
import { AlertPipeline } from './pipeline/alert-pipeline';
import type { StoreRoute } from './pipeline/alert';
import type { Clock, StepFence } from './pipeline/ports';
import type { FollowUps } from './pipeline/follow-up';
import type { Router } from 'express';
import type { AdminAuthDeps } from './http/admin-auth';
import { incidentsRouter } from './http/incidents-router';
import { policyFromSeconds } from './pipeline/retry-policy';
import { mutedReason } from './pipeline/mutes';
import type { JournalParts } from './journal/journal-parts';
import { retentionMs } from './housekeeping';

type PipelineDeps = ConstructorParameters<typeof AlertPipeline>[0];
type IncidentDeps = NonNullable<PipelineDeps['incidents']>;

export interface PipelineAreaDeps {
  /** The daemon's logger: the steps log under area 'pipeline', the incidents under 'incidents'. */
  logger: Logger;
  metrics: BridgeMetrics;
  clock: Clock;
  stores: () => ReadonlyMap<string, StoreRoute>;
  journal: Pick<JournalParts, 'steps' | 'incidents' | 'alert' | 'events' | 'silencedUntil' | 'housekeeps'>;
  speech: PipelineDeps['speech'];
  /** The way to each store's people (the PBX area's router), and whether x-hoppers repeats there itself. */
  originator: PipelineDeps['originator'] & { repeatsOnPbx: NonNullable<IncidentDeps['repeatsOnPbx']> };
  /** Over AMI: who is in a room, whether an announcement plays there, escalation calls. */
  calls?: Pick<PipelineDeps, 'roomPresence' | 'announcing'> & {
    callPerson: IncidentDeps['callPerson'];
    /** How many are in a store's room now (undefined: Asterisk cannot say), for the incident's timeline. */
    headsets?: (store: StoreRoute) => Promise<number | undefined>;
  };
  chat: PipelineDeps['chat'];
  followUps: FollowUps;
  /** Several daemons on one journal: whether this one holds a conference, and the lease a call's record depends on. */
  cluster?: { owns(room: string): boolean; fence(room: string): StepFence };
  /** A step or an incident changed (watching consoles are nudged). */
  changed: (kind: 'step' | 'incident', store: string) => void;
}

/** Announcements of one incident this close together are one call (its alerts merged). */
const MERGED_MS = 5_000;

/**
 * The alerts and their incidents: the pipeline that journals each alert and runs its steps, and
 * the incident loop that repeats, escalates and tells claims. Its start picks up what the journal
 * holds unfinished.
 */
export class PipelineArea implements Area {
  readonly name = 'pipeline';
  readonly pipeline: AlertPipeline;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly settings: Settings,
    private readonly deps: PipelineAreaDeps,
  ) {
    const s = settings;
    const { journal, cluster, calls } = deps;
    const stepLog = deps.logger.child({ area: 'pipeline' });
    this.pipeline = new AlertPipeline({
      journal: journal.steps,
      speech: deps.speech,
      originator: deps.originator,
      chat: deps.chat,
      clock: deps.clock,
      stores: deps.stores,
      events: journal.events,
      ...(cluster
        ? {
            owns: (st: StoreRoute) => cluster.owns(st.audio_conf_id),
            fence: (st: StoreRoute) => cluster.fence(st.audio_conf_id),
          }
        : {}),
      alertText: s.VEESION_ALERT_TEXT,
      manyAlertsText: s.VEESION_ALERT_TEXT_MANY,
      summaryText: s.VEESION_ALERT_TEXT_SUMMARY,
      storm: { windowMs: s.BRIDGE_STORM_WINDOW_S * 1000, queueMax: s.BRIDGE_CONFERENCE_QUEUE_MAX },
      muted: (store, now) => mutedReason(store, now, (id) => journal.silencedUntil(id, now)),
      limits: { chatPerSecond: s.BRIDGE_CHAT_POSTS_PER_S },
      ...(calls ? { roomPresence: calls.roomPresence, announcing: calls.announcing } : {}),
      incidents: {
        store: journal.incidents,
        alert: (id) => journal.alert(id),
        ...(cluster ? { owns: (room: string) => cluster.owns(room), resumeEveryMs: 1_000 } : {}),
        repeatMs: s.BRIDGE_REPEAT_S * 1000,
        repeatMax: s.BRIDGE_REPEAT_MAX,
        claimedText: s.VEESION_CLAIMED_TEXT,
        escalateAfterMs: s.BRIDGE_ESCALATE_AFTER_S * 1000,
        repeatsOnPbx: (store) => deps.originator.repeatsOnPbx(store),
        onError: (err) =>
          deps.logger.error('incident work failed; it is picked up again at the next start', {
            area: 'incidents',
            err,
          }),
        ...(calls ? { callPerson: calls.callPerson } : {}),
        followUps: deps.followUps,
        report: incidentReporter(deps.logger.child({ area: 'incidents' }), deps.metrics, (e) => {
          deps.changed('incident', e.incident.storeId);
          // A repeat heard (the first announcement is noted by its step, claimed or not).
          if (e.kind === 'announced' && e.announcements > 1) this.noteAudience(e.incident.id, e.incident.storeId);
        }),
      },
      policies: {
        announce: policyFromSeconds(s.BRIDGE_ANNOUNCE_RETRY_S, s.BRIDGE_ANNOUNCE_EXPIRE_S),
        chat: policyFromSeconds(s.BRIDGE_CHAT_RETRY_S),
      },
    });
    const logStep = stepLogger(stepLog, deps.metrics);
    this.pipeline.onStep((e) => {
      logStep(e);
      deps.changed('step', e.storeId);
      if (e.step === 'announce' && e.state === 'succeeded') this.noteAudience(e.alertId, e.storeId);
    });
    deps.metrics.watchIncidents(() => journal.incidents.countOpen());
  }

  /**
   * Who heard an announcement: the room's members counted once it was heard, kept with the
   * incident's activity for its timeline. After the call, never before it; a count that cannot be
   * made or kept is left out (logged), the announcement stands.
   */
  private noteAudience(ref: string, storeId: string): void {
    const { calls, stores, journal, clock, logger } = this.deps;
    const store = stores().get(storeId);
    if (!calls?.headsets || !store) return;
    const at = clock.now();
    calls
      .headsets(store)
      .then(async (n) => {
        const incident = n === undefined ? undefined : await journal.incidents.find(ref);
        // Alerts merged into one call are one announcement: noted once.
        if (!incident || n === undefined || (this.audienceNoted.get(incident.id) ?? 0) > at - MERGED_MS) return;
        this.audienceNoted.set(incident.id, at);
        if (this.audienceNoted.size > 1000) this.audienceNoted.delete(this.audienceNoted.keys().next().value as string);
        await journal.incidents.recordActivity({
          incidentId: incident.id,
          at,
          kind: 'announced',
          who: null,
          detail: `${n} ${n === 1 ? 'headset' : 'headsets'} in the room`,
        });
        this.deps.changed('incident', storeId);
      })
      .catch((err: unknown) => logger.debug('who heard an announcement was not recorded', { ref, err }));
  }

  /** When each incident's audience was last noted. */
  private readonly audienceNoted = new Map<string, number>();

  /** GET /api/v1/incidents, and claims and resolutions by POST (503 while incidents are off). */
  routes(auth: AdminAuthDeps): Router {
    const incidents = this.deps.journal.incidents;
    return incidentsRouter({
      ...auth,
      api: () => {
        const loop = this.pipeline.incidents;
        return (
          loop && {
            list: (state) => incidents.list(state),
            find: (ref) => incidents.find(ref),
            activity: (id) => incidents.activity(id),
            claim: (ref, by) => loop.claim(ref, by, 'http'),
            resolve: (ref, outcome, by) => loop.resolve(ref, outcome, by),
          }
        );
      },
    });
  }

  /** Crash recovery: the unfinished steps and open incidents in the journal. */
  start(): Promise<void> {
    return this.rescan('start');
  }

  /**
   * Starts every unfinished step in the journal not already under way: at start, after a reload,
   * when `veesion-bridge replay` has requeued steps (SIGUSR2), and on a conference taken over.
   */
  async rescan(reason: RescanReason): Promise<void> {
    const { started, waitingForStore } = await this.pipeline.resume();
    // Repeats after a restart; claims an operator wrote in the journal (CLI) are told.
    await this.pipeline.incidents?.resume();
    if (started > 0) this.deps.logger.info('picked up unfinished steps from the journal', { reason, count: started });
    if (waitingForStore.length > 0)
      this.deps.logger.warn('steps wait for stores missing from x-hoppers.json: add them and reload', {
        stores: waitingForStore,
      });
  }

  drain(): void {
    this.stopping = this.pipeline.stop();
  }

  async stop(deadline: StopDeadline): Promise<void> {
    if (await outlastsDeadline(this.stopping ?? this.pipeline.stop(), deadline))
      this.deps.logger.warn('steps still running at stop; they stay pending in the journal', {
        deadlineMs: deadline.ms,
      });
  }

  /** Claimed incidents nobody resolved are closed no-outcome; finished ones past the retention go. */
  async housekeep(now: number): Promise<Record<string, number>> {
    // On a shared journal, by the cron lease's holder only.
    if (!this.deps.journal.housekeeps()) return { incidentsClosedNoOutcome: 0, incidentsRemoved: 0 };
    const s = this.settings;
    return {
      incidentsClosedNoOutcome:
        (await this.pipeline.incidents?.closeUnresolved(now - s.BRIDGE_NO_OUTCOME_AFTER_H * 3_600_000)) ?? 0,
      incidentsRemoved: await this.deps.journal.incidents.pruneFinished(now - retentionMs(s)),
    };
  }
}
