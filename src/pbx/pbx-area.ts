import type { Settings } from '../config/settings-schema';
import type { Area, ReadinessCheck } from '../area';
import type { Logger } from '../log/logger';
import type { Clock } from '../pipeline/ports';
import type { IncidentLoop } from '../pipeline/incident-loop';
import { OriginatorChain } from '../pipeline/originator-chain';
import { AmiClient } from './ami-client';
import { buildOriginators, pbxReadiness, type NamedOriginator } from './originators';
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
}

/**
 * The PBX side: the AMI connection, the originators announcements go through (in the order of
 * BRIDGE_ORIGINATOR), and, over AMI, the room presence check, escalation calls and claims by
 * key press. Without `ami` in BRIDGE_ORIGINATOR no AMI connection is made.
 */
export class PbxArea implements Area {
  readonly ami: AmiClient;
  readonly originators: NamedOriginator[];
  readonly originator: OriginatorChain;
  /** Room presence and escalation calls (AMI only). */
  readonly calls: ReturnType<typeof incidentCalls> | undefined;
  readonly readiness: ReadinessCheck;
  private readonly usesAmi: boolean;
  private stopClaims: (() => void) | undefined;

  constructor(s: Settings, private readonly deps: PbxAreaDeps) {
    this.ami = new AmiClient({
      host: s.BRIDGE_AMI_HOST,
      port: s.BRIDGE_AMI_PORT,
      username: s.BRIDGE_AMI_USERNAME,
      secret: s.BRIDGE_AMI_SECRET ?? '',
      pingIntervalMs: s.BRIDGE_AMI_PING_INTERVAL_MS,
      responseTimeoutMs: 5_000,
      logger: deps.logger,
      now: () => deps.clock.now(),
      outageImpact: s.BRIDGE_ORIGINATOR.length > 1
        ? `announcements go through ${s.BRIDGE_ORIGINATOR.slice(1).join(', ')} meanwhile`
        : `announcements retry for ${s.BRIDGE_ANNOUNCE_EXPIRE_S} s after each alert, then expire`,
    });
    this.ami.on('disconnect', deps.onDisconnect);
    this.originators = buildOriginators(s, this.ami);
    this.originator = new OriginatorChain(this.originators);
    this.usesAmi = s.BRIDGE_ORIGINATOR.includes('ami');
    this.calls = this.usesAmi ? incidentCalls(s, this.ami, deps.speech, deps.logger) : undefined;
    this.readiness = pbxReadiness(this.originators);
  }

  start(): void {
    if (!this.usesAmi) return;
    this.ami.start();
    const loop = this.deps.loop();
    if (loop) this.stopClaims = conferenceClaims(this.ami, loop, this.deps.logger.child({ area: 'incidents' }), () => this.deps.clock.now());
  }

  /** Stops listening for key presses; the connection itself closes in close(), after the steps. */
  stop(): void {
    this.stopClaims?.();
  }

  async close(): Promise<void> {
    if (this.usesAmi) await this.ami.stop();
  }

  /** Which originators can take a call now, by name (for /readyz details). */
  usable(): Record<string, boolean> {
    return Object.fromEntries(this.originators.map((o) => [o.name, o.usable()]));
  }
}
