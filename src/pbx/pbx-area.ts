import type { Settings } from '../config/settings-schema';
import type { Area, ReadinessCheck } from '../area';
import type { Logger } from '../log/logger';
import type { Clock } from '../pipeline/ports';
import type { IncidentLoop } from '../pipeline/incident-loop';
import { OriginatorChain } from '../pipeline/originator-chain';
import { AmiClient } from './ami-client';
import { buildOriginators, conferenceOriginators, pbxReadiness, type NamedOriginator } from './originators';
import { DeliveryRouter } from './delivery';
import { SmartNotificationsOriginator } from './smart-notifications';
import { XhopStateReader } from './xhop-state-reader';
import { conferenceClaims } from './conference-claims';
import { incidentCalls } from './incident-calls';

export interface PbxAreaDeps {
  logger: Logger;
  clock: Clock;
  /** Renders the sentences of escalation calls. */
  speech: Parameters<typeof incidentCalls>[2];
  /** A logged-in AMI connection was lost (the disconnect metric). */
  onDisconnect: () => void;
  /** The incident loop, once built: key presses in a room claim through it. */
  loop: () => IncidentLoop | undefined;
  /** Several daemons on one journal: a call another daemon placed, seen answered here, is written so. */
  recordAnswered?: (token: string, channel: string) => Promise<unknown>;
}

/**
 * The PBX side: the AMI connection, the originators announcements go through (in the order of
 * BRIDGE_ORIGINATOR), and, over AMI, the room presence check, escalation calls and claims by
 * key press. Without `ami` in BRIDGE_ORIGINATOR no AMI connection is made.
 */
export class PbxArea implements Area {
  readonly name = 'pbx';
  readonly ami: AmiClient;
  readonly originators: NamedOriginator[];
  /** Each store's way: a Smart Notification, or a call through the conference originators in order. */
  readonly originator: DeliveryRouter;
  /** Headset accepts of Smart Notifications, where BRIDGE_XHOP_STATE_COMMAND is set. */
  readonly accepts: XhopStateReader | undefined;
  /** Room presence and escalation calls (AMI only). */
  readonly calls: ReturnType<typeof incidentCalls> | undefined;
  readonly readiness: ReadinessCheck;
  private readonly usesAmi: boolean;
  private stopClaims: (() => void) | undefined;

  constructor(
    s: Settings,
    private readonly deps: PbxAreaDeps,
  ) {
    this.ami = new AmiClient({
      host: s.BRIDGE_AMI_HOST,
      port: s.BRIDGE_AMI_PORT,
      username: s.BRIDGE_AMI_USERNAME,
      secret: s.BRIDGE_AMI_SECRET ?? '',
      pingIntervalMs: s.BRIDGE_AMI_PING_INTERVAL_MS,
      responseTimeoutMs: 5_000,
      logger: deps.logger,
      now: () => deps.clock.now(),
      outageImpact:
        s.BRIDGE_ORIGINATOR.length > 1
          ? `announcements go through ${s.BRIDGE_ORIGINATOR.slice(1).join(', ')} meanwhile`
          : `announcements retry for ${s.BRIDGE_ANNOUNCE_EXPIRE_S} s after each alert, then expire`,
    });
    this.ami.on('disconnect', deps.onDisconnect);
    this.originators = buildOriginators(s, this.ami);
    const path = s.BRIDGE_SMART_NOTIFICATIONS_PATH;
    const notifications =
      path === undefined
        ? undefined
        : new SmartNotificationsOriginator({
            baseUrl: s.BRIDGE_WILDIX_API_URL,
            path,
            token: s.BRIDGE_WILDIX_API_TOKEN ?? '',
            timeoutMs: s.BRIDGE_ORIGINATE_TIMEOUT_MS,
            repeatS: s.BRIDGE_REPEAT_S,
            confirmationS: s.BRIDGE_ESCALATE_AFTER_S,
          });
    const incidentLog = deps.logger.child({ area: 'incidents' });
    this.accepts =
      s.BRIDGE_XHOP_STATE_COMMAND === undefined
        ? undefined
        : new XhopStateReader({
            command: s.BRIDGE_XHOP_STATE_COMMAND,
            logger: incidentLog,
            now: () => deps.clock.now(),
            // A summary is one notification for several cameras: one accept takes each of their incidents.
            onAccepted: async (alertIds, by) =>
              deps.loop()?.claimAll(alertIds, by ?? 'an x-hoppers headset', 'headset'),
          });
    // Watched until x-hoppers stops waiting for an accept (its confirmation timeout), and a minute more.
    const watchMs = (s.BRIDGE_ESCALATE_AFTER_S + 60) * 1000;
    this.originator = new DeliveryRouter({
      notifications,
      conference: this.originators.length > 0 ? new OriginatorChain(this.originators) : undefined,
      fallbackDelivery: s.BRIDGE_ORIGINATOR[0] === 'smart-notifications' ? 'smart-notifications' : 'conference',
      now: () => deps.clock.now(),
      logger: deps.logger,
      onNotified: (requestId, alertIds) => this.accepts?.track(requestId, alertIds, deps.clock.now() + watchMs),
    });
    this.usesAmi = conferenceOriginators(s).includes('ami');
    const calls = this.usesAmi ? incidentCalls(s, this.ami, deps.speech, deps.logger) : undefined;
    // A broadcast's headsets are not members of a room ConfbridgeList could count.
    this.calls = calls && {
      ...calls,
      roomPresence: async (store) => (this.originator.repeatsOnPbx(store) ? 'unknown' : calls.roomPresence(store)),
      headsets: async (store) => (this.originator.repeatsOnPbx(store) ? undefined : calls.headsets(store)),
    };
    this.readiness = pbxReadiness(this.originators);
    const record = deps.recordAnswered;
    if (record)
      this.originator.onAnsweredElsewhere(
        (token, channel) =>
          void record(token, channel).catch((err: unknown) =>
            deps.logger.warn('could not record a call answered for another daemon', { err }),
          ),
      );
  }

  start(): void {
    if (!this.usesAmi) return;
    this.ami.start();
    const loop = this.deps.loop();
    if (loop)
      this.stopClaims = conferenceClaims(this.ami, loop, this.deps.logger.child({ area: 'incidents' }), () =>
        this.deps.clock.now(),
      );
  }

  /** Stops listening for key presses and headset accepts; the connection itself closes in stop(), after the steps. */
  drain(): void {
    this.stopClaims?.();
    this.accepts?.stop();
  }

  async stop(): Promise<void> {
    if (this.usesAmi) await this.ami.stop();
  }

  /** Which originators can take a call now, by name. */
  usable(): Record<string, boolean> {
    return Object.fromEntries(this.originators.map((o) => [o.name, o.usable()]));
  }

  details(): Record<string, unknown> {
    return { originators: this.usable() };
  }
}
