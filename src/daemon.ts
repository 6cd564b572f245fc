import { loadConfig, type BridgeConfig } from './config/load';
import { ConfigError, type ConfigIssue } from './config/errors';
import { configChanges } from './config/changes';
import { secretValues } from './config/redact';
import { createLogger, type Logger } from './log/logger';
import { SqliteJournal } from './journal/sqlite-journal';
import { AlertPipeline } from './pipeline/alert-pipeline';
import type { StoreRoute } from './pipeline/alert';
import type { Clock } from './pipeline/ports';
import { logStep, lostSteps } from './log/step-log';
import { incidentReporter } from './log/incident-log';
import { policyFromSeconds } from './pipeline/retry-policy';
import { mutedReason } from './pipeline/mutes';
import { systemClock } from './clock';
import type { TtsRenderer } from './tts/tts-renderer';
import { ttsFromSettings } from './tts/from-settings';
import { storePrerenderer, type Prerenderer } from './tts/prerender';
import type { AmiClient } from './pbx/ami-client';
import { PbxArea } from './pbx/pbx-area';
import { ChatArea } from './chat/chat-area';
import type { VideoFetchOptions } from './chat/video-fetch';
import type { SessionOptions } from './veesion/session';
import { VeesionArea } from './veesion/veesion-area';
import type { KlaxonClient } from './veesion/klaxon-client';
import type { HookSync } from './veesion/hook-sync';
import cron, { type ScheduledTask } from 'node-cron';
import { BridgeMetrics } from './http/metrics';
import { createApp } from './http/app';
import { adminApi } from './http/admin-api';
import { HttpServer } from './http/http-server';
import { readTlsFiles, tlsSummary } from './http/tls';
import { IntegrationDispatcher } from './integrations/dispatcher';
import { notifierFor, transportsFor } from './integrations/from-settings';
import type { MailNotifier } from './integrations/operator-notice';
import { journalFile } from './journal/journal-file';
import { outlasts } from './area';
import { DataDirLock } from './journal/data-dir-lock';
import { ChangeFeed } from './http/change-feed';
import { housekeeping } from './housekeeping';
import { unspokenLanguages } from './tts/language-check';
import { ConsoleSessions } from './console/sessions';
import type { PgJournal } from './journal/pg/pg-journal';
import { SharedJournalArea } from './cluster/shared-journal-area';
import { journalParts, type JournalParts } from './journal/journal-parts';

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
  /** BRIDGE_JOURNAL_URL's journal, opened by the caller (openSharedJournal): shared with other daemons. */
  shared?: PgJournal;
}

/**
 * The one module that builds every adapter. Constructors only store dependencies; sockets and
 * timers start in start(), in dependency order, and stop in reverse.
 */
export class Daemon {
  readonly logger: Logger;
  readonly metrics = new BridgeMetrics();
  readonly journal: SqliteJournal;
  readonly pipeline: AlertPipeline;
  readonly pbx: PbxArea;
  readonly veesion: VeesionArea;
  readonly chat: ChatArea;
  /** Nudges watching consoles (server-sent events) when steps, incidents or stores change. */
  private readonly feed = new ChangeFeed();
  private readonly tts: TtsRenderer;
  readonly prerender: Prerenderer;
  private readonly stepLog: Logger;
  private readonly http: HttpServer;
  private readonly stores: Map<string, StoreRoute>;
  private housekeepingTask: ScheduledTask | undefined;
  readonly integrations: IntegrationDispatcher;
  private readonly delivery: ReturnType<typeof transportsFor>;
  private readonly mail: MailNotifier | undefined;
  private readonly lock: DataDirLock;
  private journalWatch: NodeJS.Timeout | undefined;
  /** On a PostgreSQL journal: the leases that share the work out among the daemons. */
  readonly shared: SharedJournalArea | undefined;
  /** The journal each part uses: this host's file, or the one the daemons share. */
  private readonly parts: JournalParts;
  port = 0;
  private stopping = false;

  get ami(): AmiClient {
    return this.pbx.ami;
  }
  get klaxon(): KlaxonClient | undefined {
    return this.veesion.klaxon;
  }
  get hooks(): HookSync | undefined {
    return this.veesion.hooks;
  }
  get dataDir(): string {
    return this.opts.config.settings.BRIDGE_DATA_DIR;
  }

  constructor(private readonly opts: DaemonOptions) {
    const s = opts.config.settings;
    // Before anything else: a second daemon on this journal fails here, having touched nothing.
    this.lock = DataDirLock.acquire(s.BRIDGE_DATA_DIR);
    try {
      this.journal = new SqliteJournal(
        journalFile(s.BRIDGE_DATA_DIR),
        lostSteps(() => this.logger, 'after a restart'),
      );
    } catch (err) {
      this.lock.release(); // e.g. a journal newer than this code: the next start may succeed
      throw err;
    }
    this.logger = opts.logger ?? createLogger({ level: s.BRIDGE_LOG_LEVEL, secrets: secretValues(s) });
    this.stepLog = this.logger.child({ area: 'pipeline' });
    const pg = opts.shared;
    if (pg) {
      this.shared = new SharedJournalArea({
        journal: pg,
        logger: this.logger.child({ area: 'journal' }),
        rooms: () => [...this.stores.values()].map((st) => st.audio_conf_id),
        rescan: () => this.rescan('takeover'),
        onCron: (held) => {
          this.veesion.hooksRunning(held);
          void this.integrations.hold(held);
          this.chat.holdFollowUps(held, () => this.shared?.holdsCron() ?? false);
        },
        canCall: () => Object.values(this.pbx.usable()).some(Boolean),
        onRoomsTaken: (rooms) => {
          for (const room of rooms) this.pipeline.takeOver(room);
        },
      });
    }
    this.parts = journalParts(
      this.journal,
      pg && this.shared
        ? {
            journal: pg,
            area: this.shared,
            onError: (err) =>
              this.logger.warn('could not read the silences from the journal; the last ones read still apply', { err }),
          }
        : undefined,
    );
    this.stores = new Map(opts.config.stores.map((st) => [st.store_veesion_id, st]));
    const clock = opts.clock ?? systemClock;
    this.veesion = new VeesionArea(s, {
      logger: this.logger.child({ area: 'veesion' }),
      stores: () => [...this.stores.keys()],
      record: (rows) => this.journal.recordHooks(rows),
      onRenewal: (outcome) => this.metrics.tokenRenewals.inc({ outcome }),
      ...(opts.veesion?.session ? { session: opts.veesion.session } : {}),
      ...(opts.veesion?.hookRetryMs ? { hookRetryMs: opts.veesion.hookRetryMs } : {}),
    });
    this.chat = new ChatArea(s, {
      logger: this.logger.child({ area: 'chat' }),
      clock,
      stores: () => this.stores,
      outbox: this.parts.followUps,
      seen: this.parts.seen,
      incidents: this.parts.incidents,
      loop: () => this.pipeline.incidents,
      ...(opts.video ? { video: opts.video } : {}),
    });
    const ttsLog = this.logger.child({ area: 'tts' });
    this.tts = ttsFromSettings(s, ttsLog);
    this.prerender = storePrerenderer({
      tts: this.tts,
      seen: this.parts.seenLately,
      stores: () => this.stores,
      settings: s,
      logger: ttsLog,
    });
    this.pbx = new PbxArea(s, {
      logger: this.logger.child({ area: 'ami' }),
      clock,
      speech: this.tts,
      onDisconnect: () => this.metrics.amiReconnects.inc(),
      loop: () => this.pipeline.incidents,
    });
    const integrationLog = this.logger.child({ area: 'integrations' });
    this.delivery = transportsFor(s);
    this.mail = notifierFor(s, integrationLog);
    this.integrations = new IntegrationDispatcher({
      store: this.parts.deliveries,
      transports: this.delivery.transports,
      clock,
      delaysMs: s.BRIDGE_INTEGRATION_RETRY_S.map((sec) => sec * 1000),
      notifier: this.mail,
      logger: integrationLog,
      onOutcome: (type, outcome) => this.metrics.integrationDeliveries.inc({ type, outcome }),
      ...(pg ? { stillHeld: () => this.shared?.holdsCron() ?? false } : {}),
    });
    this.parts.events.onEventsWritten(() => this.integrations.wake());
    if (this.shared) {
      void this.integrations.hold(false); // until this daemon holds the cron lease
      this.chat.holdFollowUps(false);
    }
    this.journal.onLost((reason) =>
      this.logger.error(
        'journal lost: new alerts are refused (503); the daemon stops and, under systemd, starts again on a new journal',
        { reason },
      ),
    );
    const pbxCalls = this.pbx.calls;
    // Shared journal: a call another daemon placed is written as answered by whoever saw it.
    if (pg)
      this.pbx.originator.onAnsweredElsewhere(
        (token, channel) =>
          void pg
            .recordAnswered(token, channel)
            .catch((err: unknown) => this.logger.warn('could not record a call answered for another daemon', { err })),
      );
    this.pipeline = new AlertPipeline({
      journal: this.parts.steps,
      speech: this.tts,
      originator: this.pbx.originator,
      chat: this.chat.poster,
      clock,
      stores: () => this.stores,
      events: this.parts.events,
      ...(this.shared
        ? {
            owns: (st: StoreRoute) => this.shared?.owns(st.audio_conf_id) ?? false,
            fence: (st: StoreRoute) => this.shared?.fence(st.audio_conf_id),
          }
        : {}),
      alertText: s.VEESION_ALERT_TEXT,
      manyAlertsText: s.VEESION_ALERT_TEXT_MANY,
      summaryText: s.VEESION_ALERT_TEXT_SUMMARY,
      storm: { windowMs: s.BRIDGE_STORM_WINDOW_S * 1000, queueMax: s.BRIDGE_CONFERENCE_QUEUE_MAX },
      muted: (store, now) => mutedReason(store, now, (id) => this.parts.silencedUntil(id, now)),
      limits: { chatPerSecond: s.BRIDGE_CHAT_POSTS_PER_S },
      ...(pbxCalls ? { roomPresence: pbxCalls.roomPresence, announcing: pbxCalls.announcing } : {}),
      incidents: {
        store: this.parts.incidents,
        alert: (id) => this.parts.alert(id),
        ...(this.shared ? { owns: (room: string) => this.shared?.owns(room) ?? false, resumeEveryMs: 1_000 } : {}),
        repeatMs: s.BRIDGE_REPEAT_S * 1000,
        repeatMax: s.BRIDGE_REPEAT_MAX,
        claimedText: s.VEESION_CLAIMED_TEXT,
        escalateAfterMs: s.BRIDGE_ESCALATE_AFTER_S * 1000,
        repeatsOnPbx: (store) => this.pbx.originator.repeatsOnPbx(store),
        onError: (err) =>
          this.logger.error('incident work failed; it is picked up again at the next start', {
            area: 'incidents',
            err,
          }),
        ...(pbxCalls ? { callPerson: pbxCalls.callPerson } : {}),
        followUps: this.chat.followUps,
        report: incidentReporter(this.logger.child({ area: 'incidents' }), this.metrics, () =>
          this.feed.publish('incident'),
        ),
      },
      policies: {
        announce: policyFromSeconds(s.BRIDGE_ANNOUNCE_RETRY_S, s.BRIDGE_ANNOUNCE_EXPIRE_S),
        chat: policyFromSeconds(s.BRIDGE_CHAT_RETRY_S),
      },
    });
    this.pipeline.onStep((e) => {
      logStep(this.stepLog, this.metrics, e);
      this.feed.publish('step');
    });
    this.metrics.watch({
      amiConnected: () => this.ami.loggedIn,
      stepsWaiting: () => this.shared?.waiting ?? this.journal.waitingSteps(),
    });
    this.metrics.watchIncidents(() => this.parts.incidents.countOpen());
    const app = createApp({
      token: s.VEESION_HOOK_TOKEN,
      ingest: (alert, raw) => this.pipeline.ingest(alert, raw),
      logger: this.logger.child({ area: 'http' }),
      metrics: this.metrics,
      incidents: () => {
        const loop = this.pipeline.incidents;
        return (
          loop && {
            list: (state) => this.parts.incidents.list(state),
            claim: (ref, by) => loop.claim(ref, by, 'http'),
            resolve: (ref, outcome, by) => loop.resolve(ref, outcome, by),
          }
        );
      },
      ...(s.BRIDGE_ADMIN_TOKEN ? { adminToken: s.BRIDGE_ADMIN_TOKEN } : {}),
      admin: adminApi({
        journal: this.parts,
        stores: () => this.stores,
        clock,
        transports: this.delivery.transports,
        ...(this.shared ? { owns: (st: StoreRoute) => this.shared?.owns(st.audio_conf_id) ?? false } : {}),
        rescan: () => this.rescanLater('replay'),
        ingest: (alert, raw) => this.pipeline.ingest(alert, raw),
        say: (alert, store, text) => this.pipeline.say(alert, store, text),
        logger: this.logger.child({ area: 'admin' }),
      }),
      wildix: {
        secret: s.BRIDGE_WILDIX_WEBHOOK_SECRET,
        handle: (event) => this.chat.handle(event),
        capture: (raw) => this.chat.capture.offer(raw),
      },
      console: {
        sessions: s.BRIDGE_ADMIN_TOKEN
          ? new ConsoleSessions(
              s.BRIDGE_ADMIN_TOKEN,
              () => this.http.certificate !== undefined,
              this.journal.chat.revokedSessions,
            )
          : undefined,
        feed: this.feed,
        still: (alertId) => this.chat.stills.read(alertId),
      },
      readiness: [
        this.shared?.readiness ?? {
          name: 'journal',
          ok: () => this.journal.writable(),
          reason: () => this.journal.lost ?? 'the journal refuses writes: disk full or read-only? (see the log)',
        },
        this.pbx.readiness,
        this.veesion.readiness,
      ],
      details: () => ({
        veesionTokenExpiresInS: this.veesion.tokenExpiresInS(),
        audioCache: this.prerender.coverage(),
        stores: this.stores.size,
        originators: this.pbx.usable(),
        ...(this.shared ? { journal: this.shared.details() } : {}),
      }),
    });
    const { BRIDGE_TLS_CERT_FILE: certFile, BRIDGE_TLS_KEY_FILE: keyFile } = s;
    const tls = certFile && keyFile ? () => readTlsFiles(certFile, keyFile) : undefined;
    this.http = new HttpServer(app, s.BRIDGE_HTTP_HOST, s.BRIDGE_HTTP_PORT, tls);
  }

  /** Binds the listener first: a port already taken fails the start before any step is resumed. */
  async start(): Promise<void> {
    for (const w of this.opts.config.warnings) this.logger.warn('config warning', { path: w.path, problem: w.message });
    for (const w of unspokenLanguages(this.opts.config.stores, this.opts.config.settings))
      this.logger.error('store language not spoken: its announcements fail until fixed', {
        path: w.path,
        problem: w.message,
      });
    this.port = await this.http.start();
    this.logger.info('receiver listening', {
      host: this.opts.config.settings.BRIDGE_HTTP_HOST,
      port: this.port,
      stores: this.stores.size,
      tls: tlsSummary(this.http.certificate),
    });
    // Seconds, not the next alert: readiness (and systemd's watchdog) must notice an `rm`.
    this.journalWatch = setInterval(() => this.journal.stillOnDisk(), 2_000).unref();
    this.pbx.start();
    await this.parts.start(); // the silences in force, before any announcement
    await this.shared?.start(); // the leases first: the rescan starts only what this daemon holds
    await this.rescan('start');
    this.chat.start();
    await this.integrations.start();
    if (!this.mail && this.integrations.active.length > 0)
      this.logger.warn(
        'integrations are set up but BRIDGE_SMTP_HOST/BRIDGE_OPERATOR_EMAIL are not: given-up events are only logged',
      );
    this.veesion.start({ hooks: !this.shared });
    this.housekeepingTask = cron.schedule(
      this.opts.config.settings.BRIDGE_HOUSEKEEPING_CRON,
      () => this.housekeeping(),
      { noOverlap: true },
    );
    const started = Date.now();
    this.tts.warmUp().then(
      () => {
        if (this.stopping) return; // stopped meanwhile: nothing to say, nothing to prepare
        this.logger.info('speech engine ready', {
          engine: this.opts.config.settings.BRIDGE_TTS_ENGINE,
          durationMs: Date.now() - started,
        });
        this.prerender.run();
      },
      (err: unknown) =>
        this.stopping ||
        this.logger.error('speech engine not working: announcements will fail until fixed (run scripts/setup.sh)', {
          err,
        }),
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.journalWatch);
    this.shared?.stopTaking(); // its leases are handed over once its steps and calls are done
    this.pbx.stop();
    await this.veesion.stop();
    await this.housekeepingTask?.stop();
    this.feed.close();
    await this.http.stop();
    const deadline = this.opts.stopDeadlineMs ?? 10_000;
    const [steps, deliveries, followUps] = await Promise.all(
      [this.pipeline.stop(), this.integrations.stop(), this.chat.stop()].map((w) => outlasts(w, deadline)),
    );
    if (steps)
      this.logger.warn('steps still running at stop; they stay pending in the journal', { deadlineMs: deadline });
    if (followUps)
      this.logger.warn('a chat follow-up was still being posted at stop; it is posted after a restart', {
        deadlineMs: deadline,
      });
    if (deliveries)
      this.logger.warn('integration deliveries still running at stop; they are made again after a restart', {
        deadlineMs: deadline,
      });
    if (this.shared && (await outlasts(this.pbx.originator.idle(), deadline)))
      this.logger.warn('a call was still playing at stop; its conference is handed over anyway', {
        deadlineMs: deadline,
      });
    if (this.opts.shared && !(await this.opts.shared.flush(deadline)))
      this.logger.error(
        'step states not written to the journal at stop: the daemon taking over runs those steps again',
      );
    await this.shared?.stop(); // the others take over at once
    this.parts.stop();
    this.delivery.stop();
    this.mail?.close();
    await this.pbx.close();
    await this.prerender.stop();
    await this.tts.stop();
    await this.journal.close();
    await this.opts.shared?.close();
    this.lock.release();
    this.logger.info('stopped');
  }

  /**
   * Re-reads both config files (SIGHUP, `veesion-bridge reload`). Store changes apply at once
   * and new stores get their hook; other settings need a restart and are named. An invalid
   * edit keeps the running config.
   */
  reload(): { added: string[]; removed: string[]; restartNeeded: string[] } | { issues: ConfigIssue[] } {
    const { files, settings } = this.opts.config;
    let next: BridgeConfig;
    try {
      next = loadConfig({ envFile: files.env, storesFile: files.stores });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.logger.error('reload refused, running config kept', {
        issues: err.issues.map((i) => `${i.path}: ${i.message}`),
      });
      return { issues: err.issues };
    }
    const { added, removed, restartNeeded } = configChanges({ stores: this.stores, settings }, next);
    this.stores.clear();
    for (const st of next.stores) this.stores.set(st.store_veesion_id, st);
    this.logger.info('config reloaded', { stores: this.stores.size, added, removed, restartNeeded });
    for (const w of next.warnings) this.logger.warn('config warning', { path: w.path, problem: w.message });
    this.reloadTls();
    this.feed.publish('store');
    this.veesion.storesChanged();
    this.prerender.run(); // new stores' sentences, in their language
    this.rescanLater('reload');
    return { added, removed, restartNeeded };
  }

  /** A renewed certificate is served to new connections; a bad one is logged and the old kept. */
  private reloadTls(): void {
    try {
      const cert = this.http.reloadTls();
      if (cert) this.logger.info('TLS certificate reloaded', { tls: tlsSummary(cert) });
    } catch (err) {
      this.logger.error(
        'TLS certificate not reloaded, the one in use is kept: check BRIDGE_TLS_CERT_FILE and BRIDGE_TLS_KEY_FILE',
        { err },
      );
    }
  }

  /**
   * Starts every unfinished step in the journal not already under way: at start (crash
   * recovery), after a reload, and when `veesion-bridge replay` has requeued steps (SIGUSR2).
   */
  async rescan(reason: 'start' | 'reload' | 'replay' | 'takeover'): Promise<number> {
    const { started, waitingForStore } = await this.pipeline.resume();
    // Repeats after a restart; claims an operator wrote in the journal (CLI) are told, and the
    // events it wrote (a CLI resolve) are delivered.
    await this.pipeline.incidents?.resume();
    this.integrations.wake();
    this.chat.wake();
    this.feed.publish('incident'); // an operator's change (CLI resolve, silence) shows in the console
    if (started > 0) this.logger.info('picked up unfinished steps from the journal', { reason, count: started });
    if (waitingForStore.length > 0) {
      this.logger.warn('steps wait for stores missing from x-hoppers.json: add them and reload', {
        stores: waitingForStore,
      });
    }
    return started;
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

  /** The cron job (src/housekeeping.ts). Never throws. */
  housekeeping(now = Date.now()): Promise<{ alerts: number; audioFiles: number } | undefined> {
    return housekeeping(
      {
        // The shared journal's alerts by the cron lease's holder; this daemon's own files always.
        pruneAlerts: (cutoff) => this.parts.pruneAlerts(cutoff),
        pruneEvents: (cutoff) => this.journal.pruneEvents(cutoff),
        pruneAudio: (age, at) => this.tts.prune(age, at),
        closeUnresolved: async (cutoff) =>
          this.parts.housekeeps() ? ((await this.pipeline.incidents?.closeUnresolved(cutoff)) ?? 0) : 0,
        pruneIncidents: async (cutoff) => (this.parts.housekeeps() ? this.parts.incidents.pruneFinished(cutoff) : 0),
        pruneChat: (cutoff) => this.journal.chat.prune(cutoff),
        ...this.chat.housekeepingParts(),
      },
      this.opts.config.settings,
      this.logger.child({ area: 'housekeeping' }),
      now,
    );
  }
}
