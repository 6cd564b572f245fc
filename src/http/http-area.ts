import type { Settings } from '../config/settings-schema';
import type { Area } from '../area';
import type { Logger } from '../log/logger';
import { ConsoleSessions } from '../console/sessions';
import { type AppDeps, createApp } from './app';
import { type AdminSources, adminApi } from './admin-api';
import type { ChangeFeed } from './change-feed';
import { HttpServer } from './http-server';
import type { BridgeMetrics } from './metrics';
import { readTlsFiles, tlsSummary } from './tls';
import type { JournalAudit } from '../journal/audit';

export interface HttpAreaDeps {
  /** The daemon's logger: requests log under area 'http', admin changes under 'admin'. */
  logger: Logger;
  metrics: BridgeMetrics;
  /** Nudges watching consoles (server-sent events) when steps, incidents or stores change. */
  feed: ChangeFeed;
  /** What the admin API reads and acts on besides the pipeline. */
  admin: Omit<AdminSources, 'logger' | 'ingest' | 'say'>;
  /** The alerts' way in (the alert route, test alerts) and `say`. */
  pipeline: Pick<AdminSources, 'ingest' | 'say'>;
  /** POST /api/v1/wildix/events. */
  chat: Pick<NonNullable<AppDeps['wildix']>, 'handle'> & { capture: { offer(raw: Buffer): void } };
  /** Where changes made through the admin routes are written (the audit trail). */
  audit: Pick<JournalAudit, 'record' | 'since'>;
  /** The console's sessions and spent sign-in codes, and its users, in the journal. */
  consoleJournal: {
    sessions: ConstructorParameters<typeof ConsoleSessions>[2];
    /** Spent sign-in codes. */
    revokedSessions: ConstructorParameters<typeof ConsoleSessions>[3];
    users: NonNullable<AppDeps['console']>['users'];
    userTokens: NonNullable<AppDeps['userTokens']>;
  };
  /** The areas behind this one: their admin routes, and /readyz answers with their checks and details. */
  areas: readonly Area[];
}

/**
 * The HTTP side: the receiver of Veesion's alerts, the Wildix events, the admin API and the
 * console, /readyz and /metrics on one listener. First in the list: a port already taken fails
 * the start before any other area starts, and its drain refuses new requests before the areas
 * behind it stop taking work.
 */
export class HttpArea implements Area {
  readonly name = 'http';
  private readonly server: HttpServer;
  port = 0;

  constructor(
    private readonly s: Settings,
    private readonly deps: HttpAreaDeps,
  ) {
    const { admin, feed, pipeline, chat, areas } = deps;
    const app = createApp({
      token: s.VEESION_HOOK_TOKEN,
      ingest: (alert, raw) => pipeline.ingest(alert, raw),
      logger: deps.logger.child({ area: 'http' }),
      metrics: deps.metrics,
      routes: areas.flatMap((area) => (area.routes ? [area.routes.bind(area)] : [])),
      ...(s.BRIDGE_ADMIN_TOKEN ? { adminToken: s.BRIDGE_ADMIN_TOKEN } : {}),
      trustedProxies: s.BRIDGE_TRUSTED_PROXIES,
      userTokens: deps.consoleJournal.userTokens,
      audit: deps.audit,
      admin: adminApi({
        ...admin,
        ingest: (alert, raw) => pipeline.ingest(alert, raw),
        say: (alert, store, text) => pipeline.say(alert, store, text),
        logger: deps.logger.child({ area: 'admin' }),
      }),
      wildix: {
        secret: s.BRIDGE_WILDIX_WEBHOOK_SECRET,
        handle: (event) => chat.handle(event),
        capture: (raw) => chat.capture.offer(raw),
      },
      console: {
        sessions: s.BRIDGE_ADMIN_TOKEN
          ? new ConsoleSessions(
              s.BRIDGE_ADMIN_TOKEN,
              () => this.server.certificate !== undefined,
              deps.consoleJournal.sessions,
              deps.consoleJournal.revokedSessions,
            )
          : undefined,
        users: deps.consoleJournal.users,
        ...(s.BRIDGE_OIDC_ISSUER && s.BRIDGE_OIDC_CLIENT_ID && s.BRIDGE_OIDC_CLIENT_SECRET
          ? {
              oidc: {
                issuer: s.BRIDGE_OIDC_ISSUER,
                clientId: s.BRIDGE_OIDC_CLIENT_ID,
                clientSecret: s.BRIDGE_OIDC_CLIENT_SECRET,
                claims: { role: s.BRIDGE_OIDC_ROLE_CLAIM, stores: s.BRIDGE_OIDC_STORES_CLAIM },
                redirectUri: s.BRIDGE_OIDC_REDIRECT_URI,
              },
            }
          : {}),
        feed,
      },
      readiness: areas.flatMap((area) => (area.readiness ? [area.readiness] : [])),
      details: () => Object.assign({ stores: admin.stores().size }, ...areas.map((area) => area.details?.())),
    });
    const { BRIDGE_TLS_CERT_FILE: certFile, BRIDGE_TLS_KEY_FILE: keyFile } = s;
    const tls = certFile && keyFile ? () => readTlsFiles(certFile, keyFile) : undefined;
    this.server = new HttpServer(app, s.BRIDGE_HTTP_HOST, s.BRIDGE_HTTP_PORT, tls);
  }

  /** Binds the listener. */
  async start(): Promise<void> {
    this.port = await this.server.start();
    this.deps.logger.info('receiver listening', {
      host: this.s.BRIDGE_HTTP_HOST,
      port: this.port,
      stores: this.deps.admin.stores().size,
      tls: tlsSummary(this.server.certificate),
    });
  }

  /** Consoles' event streams end; requests under way get a short grace, then the listener closes. */
  async drain(): Promise<void> {
    this.deps.feed.close();
    await this.server.stop();
  }

  stop(): void {}

  /** A renewed certificate is served to new connections; a bad one is logged and the old kept. */
  reloaded(): void {
    try {
      const cert = this.server.reloadTls();
      if (cert) this.deps.logger.info('TLS certificate reloaded', { tls: tlsSummary(cert) });
    } catch (err) {
      this.deps.logger.error(
        'TLS certificate not reloaded, the one in use is kept: check BRIDGE_TLS_CERT_FILE and BRIDGE_TLS_KEY_FILE',
        { err },
      );
    }
  }
}
