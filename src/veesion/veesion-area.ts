import type { Settings } from '../config/settings-schema';
import type { Logger } from '../log/logger';
import type { Area, ReadinessCheck } from '../area';
import { KlaxonClient, hookUrlWithToken } from './klaxon-client';
import { VeesionSession, type SessionOptions } from './session';
import { HookSync, type HookSyncOptions } from './hook-sync';

export interface VeesionAreaDeps {
  logger: Logger;
  /** The stores whose hooks are kept registered (read again at each run). */
  stores: () => string[];
  record: HookSyncOptions['record'];
  onRenewal: (outcome: string) => void;
  /** Several daemons share the journal: only the cron lease's holder reconciles hooks (onCronLease). */
  shared?: boolean;
  /** Seams for tests: the session's renewal margin and backoff, the hook retry delay. */
  session?: SessionOptions;
  hookRetryMs?: number;
}

/**
 * The Veesion side: the signed-in klaxon session and the hooks kept registered for every store.
 * Without an account nothing runs and readiness does not wait for Veesion.
 */
export class VeesionArea implements Area {
  readonly name = 'veesion';
  readonly klaxon: KlaxonClient | undefined;
  readonly hooks: HookSync | undefined;
  private readonly session: VeesionSession | undefined;

  constructor(
    s: Settings,
    private readonly deps: VeesionAreaDeps,
  ) {
    this.klaxon =
      s.VEESION_USERNAME && s.VEESION_PASSWORD
        ? new KlaxonClient({ baseUrl: s.VEESION_API_URL, username: s.VEESION_USERNAME, password: s.VEESION_PASSWORD })
        : undefined;
    this.session = this.klaxon
      ? new VeesionSession(this.klaxon, deps.logger, { ...deps.session, onRenewal: deps.onRenewal })
      : undefined;
    this.hooks =
      this.klaxon && s.VEESION_HOOK_URL
        ? new HookSync(this.klaxon, {
            hookUrl: hookUrlWithToken(s.VEESION_HOOK_URL, s.VEESION_HOOK_TOKEN),
            cronExpression: s.BRIDGE_HOOKS_CRON,
            stores: deps.stores,
            record: deps.record,
            logger: deps.logger,
            veesionDown: () => this.session?.outage.down ?? false,
            ...(deps.hookRetryMs ? { retryMs: deps.hookRetryMs } : {}),
          })
        : undefined;
  }

  start(): void {
    this.session?.start();
    if (!this.hooks)
      this.deps.logger.warn('Veesion account or VEESION_HOOK_URL not set: hooks are not registered by the bridge');
    else if (!this.deps.shared) this.onCronLease(true);
  }

  /** Starts or stops the hook reconciliation (the cron lease taken or lost). */
  onCronLease(run: boolean): void {
    if (!this.hooks || run === this.hooksOn) return;
    this.hooksOn = run;
    if (run) this.hooks.start();
    else void this.hooks.stop();
  }

  private hooksOn = false;

  async drain(): Promise<void> {
    await this.hooks?.stop();
    this.session?.stop();
  }

  stop(): void {}

  /** After a reload: new stores get their hook now. */
  reloaded(): void {
    if (this.hooksOn) this.hooks?.trigger();
  }

  readonly readiness: ReadinessCheck = {
    name: 'veesion',
    ok: () => this.klaxon?.tokenValid ?? true,
    reason: () => this.session?.outage.summary ?? 'not signed in to Veesion yet',
  };

  /** Seconds until the session token expires, or null when not signed in. */
  details(now = Date.now()): { veesionTokenExpiresInS: number | null } {
    const expiresAt = this.klaxon?.tokenExpiresAt;
    return { veesionTokenExpiresInS: expiresAt === undefined ? null : Math.round((expiresAt - now) / 1000) };
  }
}
