import type { Settings } from '../config/settings-schema';
import { type Area, type StopDeadline, outlastsDeadline } from '../area';
import type { Logger } from '../log/logger';
import { OutageReporter } from '../log/outage';
import type { Alert, StoreRoute } from '../pipeline/alert';
import type { Clock } from '../pipeline/ports';
import type { FollowUpOutbox, FollowUps } from '../pipeline/follow-up';
import type { IncidentLoop } from '../pipeline/incident-loop';
import { fetchVideo, type VideoFetchOptions } from './video-fetch';
import { XbeesClient } from './xbees-client';
import { type MediaOptions, XbeesPoster } from './xbees-poster';
import { xbeesIdentity } from './xbees-identity';
import { FollowUpSender } from './follow-up-sender';
import { WildixInbox, type InboxDeps } from './wildix-inbox';
import { ClaimWords } from './claim-words';
import { StillStore, type StillKeeper } from './still-store';
import { WildixCapture } from './wildix-capture';
import { retentionMs } from '../housekeeping';
import { join } from 'node:path';
import express, { type Router } from 'express';
import type { AdminAuthDeps } from '../http/admin-auth';
import { stillsRouter } from '../http/stills-router';
import { clipsRouter } from '../http/clips-router';
import type { WildixEvent } from './wildix-event';

export interface ChatAreaDeps {
  logger: Logger;
  clock: Clock;
  stores: () => ReadonlyMap<string, StoreRoute>;
  /** The follow-ups owed, in this daemon's journal file: it posts what it owes. */
  outbox: FollowUpOutbox;
  /** Wildix events seen, in the journal the daemons share. */
  seen: InboxDeps['seen'];
  incidents: InboxDeps['incidents'];
  /** The incident loop, once the pipeline is built (absent: incidents off). */
  loop: () => IncidentLoop | undefined;
  /** Several daemons on one journal: whether this one holds the cron lease (the follow-ups are posted by its holder). */
  cronHeld?: () => boolean;
  /** Seams for tests and the demo: where the video host resolves, which CA it uses. */
  video?: Pick<VideoFetchOptions, 'resolve' | 'addressAllowed' | 'ca'>;
  /** Takes a clip's still image (the daemon's process helper); default: in this process. */
  still?: MediaOptions['still'];
  /** The stills in the journal the daemons share; absent, they are files in the data directory. */
  stills?: StillKeeper;
  /** An alert from the journal, for its clip (absent: no clip route). */
  alert?: (id: string) => Promise<Alert | undefined>;
}

/**
 * The x-bees side: alert messages with their buttons and pictures, the follow-ups owed to each
 * store's conversation, and what people did in Wildix (POST /api/v1/wildix/events).
 */
export class ChatArea implements Area {
  readonly name = 'chat';
  readonly poster: XbeesPoster;
  readonly inbox: WildixInbox;
  /** The incident loop's way to owe a follow-up: journaled, then posted at once. */
  readonly followUps: FollowUps;
  private readonly sender: FollowUpSender;
  /** The stills of recent alerts, for the console. */
  readonly stills: StillKeeper;
  /** Signed Wildix events kept while `veesion-bridge wildix capture` asks for them. */
  readonly capture: WildixCapture;

  private stopping: Promise<void> | undefined;
  /** How videos are fetched, for the chat post and the console's clips alike. */
  private readonly videoOptions: VideoFetchOptions;

  constructor(
    private readonly s: Settings,
    private readonly deps: ChatAreaDeps,
  ) {
    const logger = deps.logger;
    this.stills = deps.stills ?? new StillStore(join(s.BRIDGE_DATA_DIR, 'stills'));
    this.capture = new WildixCapture(s.BRIDGE_DATA_DIR, deps.clock, logger);
    const client = new XbeesClient({ baseUrl: s.BRIDGE_XBEES_API_URL, token: s.BRIDGE_XBEES_TOKEN ?? '' });
    const identity = xbeesIdentity(s.BRIDGE_XBEES_TOKEN ?? '', s.BRIDGE_XBEES_USER_ID);
    this.videoOptions = {
      allowedHosts: s.BRIDGE_VIDEO_HOSTS,
      maxBytes: s.BRIDGE_VIDEO_MAX_BYTES,
      timeoutMs: s.BRIDGE_VIDEO_TIMEOUT_MS,
      ...deps.video,
    };
    this.poster = new XbeesPoster(
      client,
      identity,
      {
        video: this.videoOptions,
        stillTimeoutMs: s.BRIDGE_STILL_TIMEOUT_MS,
        ...(deps.still ? { still: deps.still } : {}),
        keepStill: (alertId, jpeg) =>
          void this.stills
            .save(alertId, jpeg)
            .catch((err: unknown) => logger.warn('still image not kept for the console', { alertId, err })),
      },
      logger,
      new OutageReporter({
        logger,
        system: 'x-bees',
        where: s.BRIDGE_XBEES_API_URL,
        now: () => deps.clock.now(),
        impact: `chat posts retry at ${s.BRIDGE_CHAT_RETRY_S.join(', ')} s after each alert, then are given up; announcements go on`,
      }),
    );
    this.sender = new FollowUpSender({
      outbox: deps.outbox,
      post: (store, text) => this.poster.postText(store, text),
      stores: deps.stores,
      clock: deps.clock,
      delaysMs: s.BRIDGE_CHAT_RETRY_S.map((sec) => sec * 1000),
      logger,
    });
    this.followUps = {
      add: async (req, at) => {
        const added = await deps.outbox.add(req, at);
        if (added) this.sender.wake();
        return added;
      },
      written: () => this.sender.wake(),
    };
    this.inbox = new WildixInbox({
      seen: deps.seen,
      incidents: deps.incidents,
      loop: deps.loop,
      stores: deps.stores,
      claimWords: new ClaimWords(s.BRIDGE_CLAIM_WORDS),
      identity,
      clock: deps.clock,
      logger,
    });
    if (deps.cronHeld) this.sender.hold(false); // until this daemon holds the cron lease
  }

  start(): void {
    this.sender.start();
  }

  /** Shared journal: the follow-ups are posted by the cron lease's holder (one daemon). */
  onCronLease(held: boolean): void {
    this.sender.hold(held, this.deps.cronHeld);
  }

  drain(): void {
    this.stopping = this.sender.stop();
  }

  async stop(deadline: StopDeadline): Promise<void> {
    if (await outlastsDeadline(this.stopping ?? this.sender.stop(), deadline))
      this.deps.logger.warn('a chat follow-up was still being posted at stop; it is posted after a restart', {
        deadlineMs: deadline.ms,
      });
  }

  /** Follow-ups an operator command left in the journal (CLI resolve): post them now. */
  rescan(): void {
    this.sender.wake();
  }

  handle(event: WildixEvent): ReturnType<WildixInbox['handle']> {
    return this.inbox.handle(event);
  }

  /** GET /api/v1/alerts/{id}/still and .../clip: the stills of recent alerts and their videos, for the console. */
  routes(auth: AdminAuthDeps): Router {
    const router = express.Router().use(stillsRouter({ ...auth, read: (alertId) => this.stills.read(alertId) }));
    const alert = this.deps.alert;
    if (alert)
      router.use(
        clipsRouter({ ...auth, alert, logger: this.deps.logger, fetch: (url) => fetchVideo(url, this.videoOptions) }),
      );
    return router;
  }

  /** This area's files past their age: the stills (kept as long as the journal's rows), the Wildix captures. */
  async housekeep(now: number): Promise<Record<string, number>> {
    return {
      stillsRemoved: await this.stills.prune(retentionMs(this.s), now),
      capturesRemoved: this.capture.prune(now),
    };
  }
}
