import type { BridgeConfig } from './config/load';
import { type ReloadResult, reloadStores } from './config/changes';
import { secretValues } from './config/redact';
import { createLogger, type Logger } from './log/logger';
import type { PgJournal } from './journal/pg/pg-journal';
import type { SqliteJournal } from './journal/sqlite-journal';
import type { AlertPipeline } from './pipeline/alert-pipeline';
import type { StoreRoute } from './pipeline/alert';
import type { Clock } from './pipeline/ports';
import { systemClock } from './clock';
import { type Area, type RescanReason, rescanAreas, startAreas, stopAreas } from './area';
import { JournalArea } from './journal-area';
import { PipelineArea } from './pipeline-area';
import { HousekeepingArea } from './housekeeping';
import { MemoryReleaseArea } from './memory-release';
import { SpeechArea } from './tts/speech-area';
import type { ProcessRunner } from './tts/run-process';
import type { AmiClient } from './pbx/ami-client';
import { PbxArea } from './pbx/pbx-area';
import { ChatArea } from './chat/chat-area';
import type { VideoFetchOptions } from './chat/video-fetch';
import type { SessionOptions } from './veesion/session';
import { VeesionArea } from './veesion/veesion-area';
import type { KlaxonClient } from './veesion/klaxon-client';
import type { HookSync } from './veesion/hook-sync';
import { IntegrationsArea } from './integrations/integrations-area';
import { BridgeMetrics } from './http/metrics';
import { ChangeFeed } from './http/change-feed';
import { HttpArea } from './http/http-area';
import { SharedJournalArea } from './cluster/shared-journal-area';

export interface DaemonOptions {
  config: BridgeConfig;
  logger?: Logger;
  clock?: Clock;
  /** Seams for tests and the demo: where the video host resolves, which CA it uses. */
  video?: Pick<VideoFetchOptions, 'resolve' | 'addressAllowed' | 'ca'>;
  /** Seams for tests: the Veesion session's renewal margin and backoff, the hook retry delay. */
  veesion?: { session?: SessionOptions; hookRetryMs?: number };
  /** How long stop() lets in-flight steps finish. */
  stopDeadlineMs?: number;
  /** BRIDGE_JOURNAL_URL's journal, opened by the caller (openDaemonJournal): shared with other daemons. */
  shared?: PgJournal;
}

/**
 * The one module that builds every area and knows them all. Constructors only store
 * dependencies; the areas start in the list's order, drain in it and stop in reverse.
 */
export class Daemon {
  readonly logger: Logger;
  readonly metrics = new BridgeMetrics();
  /** This host's journal file; none on a journal the daemons share (BRIDGE_JOURNAL_URL). */
  readonly local: SqliteJournal | undefined;
  readonly pipeline: AlertPipeline;
  readonly pbx: PbxArea;
  readonly veesion: VeesionArea;
  readonly chat: ChatArea;
  /** Starts programs for the daemon (its process helper): once running, it never forks itself. */
  readonly processes: ProcessRunner;
  /** On a PostgreSQL journal: the leases that share the work out among the daemons. */
  readonly shared: SharedJournalArea | undefined;
  readonly ami: AmiClient;
  readonly klaxon: KlaxonClient | undefined;
  readonly hooks: HookSync | undefined;
  /** Nudges watching consoles (server-sent events) when steps, incidents or stores change. */
  private readonly feed: ChangeFeed;
  private readonly stores: Map<string, StoreRoute>;
  private readonly http: HttpArea;
  private readonly housekeeper: HousekeepingArea;
  /** In start order; drained in it and stopped in reverse. */
  private readonly areas: Area[];

  get port(): number {
    return this.http.port;
  }
  /** The journal file, where the caller knows there is one. */
  get journal(): SqliteJournal {
    if (this.local) return this.local;
    throw new Error('this daemon has no journal file: its journal is the one the daemons share');
  }
  get dataDir(): string {
    return this.opts.config.settings.BRIDGE_DATA_DIR;
  }

  constructor(private readonly opts: DaemonOptions) {
    const s = opts.config.settings;
    this.feed = new ChangeFeed(s.BRIDGE_CONSOLE_STREAMS);
    const log = opts.logger ?? createLogger({ level: s.BRIDGE_LOG_LEVEL, secrets: secretValues(s) });
    this.logger = log;
    this.stores = new Map(opts.config.stores.map((st) => [st.store_veesion_id, st]));
    const stores = () => this.stores;
    const clock = opts.clock ?? systemClock;
    const pg = opts.shared;
    const cluster = pg
      ? new SharedJournalArea({
          journal: pg,
          logger: log.child({ area: 'journal' }),
          rooms: () => [...this.stores.values()].map((st) => st.audio_conf_id),
          rescan: () => this.rescan('takeover'),
          onCron: (held) => this.areas.forEach((area) => void area.onCronLease?.(held)),
          canCall: () => Object.values(this.pbx.usable()).some(Boolean),
          onRoomsTaken: (rooms) => rooms.forEach((room) => void this.pipeline.takeOver(room)),
          callsEnded: () => this.pbx.originator.idle(),
        })
      : undefined;
    this.shared = cluster;
    const cronHeld = cluster && (() => cluster.holdsCron());
    // Takes the data directory's lock before anything else is touched.
    const journal = new JournalArea(s, log, pg && cluster && { journal: pg, area: cluster });
    this.local = journal.local;
    const parts = journal.parts;
    this.veesion = new VeesionArea(s, {
      logger: log.child({ area: 'veesion' }),
      stores: () => [...this.stores.keys()],
      record: (rows) => void parts.recordHooks(rows).catch((err: unknown) => log.warn('hook states not kept', { err })),
      onRenewal: (outcome) => this.metrics.tokenRenewals.inc({ outcome }),
      shared: pg !== undefined,
      ...opts.veesion,
    });
    const speech = new SpeechArea(s, { logger: log.child({ area: 'tts' }), seen: parts.seenLately, stores });
    this.processes = speech.helper;
    this.chat = new ChatArea(s, {
      still: (video, o) => speech.helper.still(video, o),
      logger: log.child({ area: 'chat' }),
      clock,
      stores,
      outbox: parts.followUps,
      seen: parts.seen,
      incidents: parts.incidents,
      loop: () => this.pipeline.incidents,
      stills: parts.stills,
      alert: parts.alert,
      ...(cronHeld ? { cronHeld } : {}),
      ...(opts.video ? { video: opts.video } : {}),
    });
    this.pbx = new PbxArea(s, {
      logger: log.child({ area: 'ami' }),
      clock,
      speech: speech.tts,
      onDisconnect: () => this.metrics.amiReconnects.inc(),
      loop: () => this.pipeline.incidents,
      ...(pg ? { recordAnswered: (token: string, channel: string) => pg.recordAnswered(token, channel) } : {}),
    });
    const integrations = new IntegrationsArea(s, {
      logger: log.child({ area: 'integrations' }),
      clock,
      store: parts.deliveries,
      events: parts.events,
      onOutcome: (type, outcome) => this.metrics.integrationDeliveries.inc({ type, outcome }),
      ...(cronHeld ? { cronHeld } : {}),
    });
    const incidents = new PipelineArea(s, {
      logger: log,
      metrics: this.metrics,
      clock,
      stores,
      journal: parts,
      speech: speech.tts,
      originator: this.pbx.originator,
      ...(this.pbx.calls ? { calls: this.pbx.calls } : {}),
      chat: this.chat.poster,
      followUps: this.chat.followUps,
      ...(cluster ? { cluster } : {}),
      changed: (kind, store) => this.feed.publish(kind, store),
    });
    this.pipeline = incidents.pipeline;
    this.ami = this.pbx.ami;
    ({ klaxon: this.klaxon, hooks: this.hooks } = this.veesion);
    this.metrics.watch({
      amiConnected: () => this.ami.loggedIn,
      stepsWaiting: () => cluster?.waiting ?? this.journal.waitingSteps(),
    });
    this.housekeeper = new HousekeepingArea(s, () => this.areas, log.child({ area: 'housekeeping' }));
    // In start order: each area after those it depends on, so that it stops before them.
    const behind: Area[] = [journal, speech, this.pbx, ...(cluster ? [cluster] : []), incidents, this.chat];
    const memory = new MemoryReleaseArea((moved) => this.pipeline.onStep(moved), log.child({ area: 'memory' }));
    behind.push(integrations, this.veesion, this.housekeeper, memory);
    this.http = new HttpArea(s, {
      logger: log,
      metrics: this.metrics,
      feed: this.feed,
      admin: {
        journal: parts,
        stores,
        clock,
        transports: integrations.transports,
        ...(cluster ? { owns: (st: StoreRoute) => cluster.owns(st.audio_conf_id) } : {}),
        rescan: () => this.rescanLater('replay'),
      },
      pipeline: this.pipeline,
      chat: this.chat,
      consoleJournal: parts,
      audit: parts.audit,
      areas: behind,
    });
    this.areas = [this.http, ...behind];
  }

  /** The listener binds first: a port already taken fails the start before any step is resumed. */
  async start(): Promise<void> {
    for (const w of this.opts.config.warnings) this.logger.warn('config warning', { path: w.path, problem: w.message });
    await startAreas(this.areas);
  }

  /** Nothing new is taken, what is in hand ends (or waits in the journal), the journals close, and the lock goes. */
  async stop(): Promise<void> {
    await stopAreas(this.areas, this.opts.stopDeadlineMs ?? 10_000);
    this.logger.info('stopped');
  }

  /**
   * Re-reads both config files (SIGHUP, `veesion-bridge reload`). Store changes apply at once
   * and new stores get their hook; other settings need a restart and are named. An invalid
   * edit keeps the running config.
   */
  reload(): ReloadResult {
    const result = reloadStores(this.opts.config, this.stores, this.logger);
    if ('issues' in result) return result;
    this.feed.publish('store');
    for (const area of this.areas) area.reloaded?.();
    this.rescanLater('reload');
    return result;
  }

  /**
   * Has each area pick up the work the journal holds that is not already under way: after a
   * reload, when `veesion-bridge replay` has requeued steps (SIGUSR2), on a conference taken over.
   */
  async rescan(reason: RescanReason): Promise<void> {
    await rescanAreas(this.areas, reason);
    this.feed.publish('incident'); // an operator's change (CLI resolve, silence) shows in the console
  }

  /** rescan() from a signal, a reload or the admin API: a journal that cannot answer is logged. */
  rescanLater(reason: 'reload' | 'replay'): void {
    this.rescan(reason).catch((err: unknown) =>
      this.logger.error('could not read unfinished steps from the journal; they are picked up at the next rescan', {
        err,
        reason,
      }),
    );
  }

  /** The cron job's run (src/housekeeping.ts). Never throws. */
  housekeeping(now = Date.now()): Promise<{ alerts: number; audioFiles: number } | undefined> {
    return this.housekeeper.run(now);
  }
}
