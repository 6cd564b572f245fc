import { randomUUID } from 'node:crypto';
import type { Logger } from '../log/logger';
import type { Alert, StepName, StoreRoute } from '../pipeline/alert';
import type { Clock } from '../pipeline/ports';
import type { SpeakOutcome } from '../pipeline/announcer';
import type { IngestOutcome } from '../pipeline/alert-pipeline';
import type { Incident, IncidentStore } from '../pipeline/incident';
import { mutedReason } from '../pipeline/mutes';
import { buildTestAlert } from '../pipeline/test-alert';
import type { AdminJournalPort, AlertDetail, IntegrationsPort } from '../journal/admin-journal';
import type { AlertListItem, AlertQuery } from '../journal/alert-list';
import type { JournalStats } from '../journal/journal-stats';
import type { ReplayOutcome } from '../journal/replay';
import { displayUrl, type IntegrationType } from '../integrations/integration';
import type { EventTransport } from '../integrations/transport';
import { sendTestPing, type PingResult } from '../integrations/test-ping';

export type StoreView = StoreRoute & { silencedUntil: number | null; mutedNow: string | null };

export interface IntegrationView {
  id: string;
  type: IntegrationType;
  url: string;
  filter: string[];
  scope: string;
  enabled: boolean;
  disabledReason: string | null;
  /** Events it wants that it has not settled yet. */
  backlog: number;
  attempts: number;
  nextAt: number | null;
  lastError: string | null;
}

/**
 * What the admin routes can do: the same journal functions and pipeline entry as the CLI and the
 * Veesion receiver, so the console (a client of these routes, STYLE 14) has no other way in.
 */
export interface AdminApi {
  now(): number;
  alerts(q: AlertQuery): Promise<AlertListItem[]>;
  alert(id: string): Promise<(Omit<AlertDetail, 'incidentId'> & { incident: Incident | null }) | undefined>;
  /** Requeues as `veesion-bridge replay` does; the daemon picks up what was requeued at once. */
  replay(id: string, opts: { step?: StepName | undefined; force: boolean }): Promise<ReplayOutcome>;
  stores(): StoreView[];
  /** Silences a configured store until `until` (0 lifts it); false when the store is not configured. */
  silence(storeId: string, until: number): Promise<boolean>;
  /**
   * An alert through the pipeline's ingest, as if just received; undefined when the store is not
   * configured. Throws (logged) when the journal refuses it.
   */
  testAlert(
    storeId: string,
    cameraId: string | undefined,
  ): Promise<{ alertId: string; status: IngestOutcome } | undefined>;
  /** Says `text` in the store's conference (its language's voice); undefined: no such store. */
  say(storeId: string, text: string): Promise<{ callId: string; played: boolean; detail: string } | undefined>;
  integrations(): Promise<IntegrationView[]>;
  testIntegration(id: string): Promise<PingResult | undefined>;
  stats(since: number): Promise<JournalStats>;
}

/** The daemon's parts the admin API is built from (src/daemon.ts passes them). */
export interface AdminSources {
  journal: {
    admin: AdminJournalPort;
    integrations: IntegrationsPort;
    incidents: Pick<IncidentStore, 'get'>;
    silencedUntil(storeId: string, now: number): number | undefined;
  };
  /** On a shared journal: whether this daemon holds the store's conference (`say` is made there only). */
  owns?: (store: StoreRoute) => boolean;
  stores: () => ReadonlyMap<string, StoreRoute>;
  clock: Clock;
  /** Has the daemon start the steps a replay requeued (its `rescan('replay')`). */
  rescan: () => void;
  /** The pipeline's entry for an alert just received (a test alert goes the whole way from here). */
  ingest: (alert: Alert, rawBody: string) => Promise<IngestOutcome>;
  /** Speaks a sentence in a store's conference, in turn with the announcements. */
  say: (alert: Alert, store: StoreRoute, text: string) => Promise<SpeakOutcome>;
  /** The integrations' transports, the ones deliveries use. */
  transports: Record<IntegrationType, EventTransport>;
  logger: Logger;
}

/** Builds the admin API from the daemon's parts; every change it makes is logged. */
export function adminApi(src: AdminSources): AdminApi {
  const { journal, clock, logger } = src;
  const silencedUntil = (id: string, now: number) => journal.silencedUntil(id, now);
  return {
    now: () => clock.now(),
    alerts: async (q) => journal.admin.alerts(q),
    alert: async (id) => {
      const found = await journal.admin.alert(id);
      if (!found) return undefined;
      const { incidentId, ...rest } = found;
      return { ...rest, incident: (incidentId !== null ? await journal.incidents.get(incidentId) : undefined) ?? null };
    },
    replay: async (id, opts) => {
      const stores = src.stores();
      const [outcome] = await journal.admin.requeue({
        alertIds: [id],
        ...(opts.step ? { steps: [opts.step] } : {}),
        force: opts.force,
        routable: (s) => stores.has(s),
        now: clock.now(),
      });
      const result = outcome ?? { alertId: id, requeued: [], skipped: [] };
      if (result.requeued.length > 0) {
        logger.info('admin API: alert replayed', { alertId: id, steps: result.requeued, force: opts.force });
        src.rescan();
      }
      return result;
    },
    stores: () => {
      const now = clock.now();
      return [...src.stores().values()].map((s) => ({
        ...s,
        silencedUntil: silencedUntil(s.store_veesion_id, now) ?? null,
        mutedNow: mutedReason(s, now, (id) => silencedUntil(id, now)) ?? null,
      }));
    },
    silence: async (storeId, until) => {
      if (!src.stores().has(storeId)) return false;
      await journal.admin.silence(storeId, until, clock.now());
      logger.info(until > 0 ? 'admin API: store silenced' : 'admin API: store silence lifted', {
        store: storeId,
        ...(until > 0 ? { until: new Date(until).toISOString() } : {}),
      });
      return true;
    },
    testAlert: async (storeId, cameraId) => {
      if (!src.stores().has(storeId)) return undefined;
      const alert = buildTestAlert(randomUUID(), { storeId, cameraId }, clock.now());
      let status: IngestOutcome;
      try {
        status = await src.ingest(alert, JSON.stringify(alert));
      } catch (err) {
        logger.error('admin API: journal write failed, test alert refused with 503', { alertId: alert.id, err });
        throw err;
      }
      logger.info('admin API: test alert sent', {
        alertId: alert.id,
        store: storeId,
        camera: alert.cameraId,
        outcome: status,
      });
      return { alertId: alert.id, status };
    },
    say: async (storeId, text) => {
      const store = src.stores().get(storeId);
      if (!store) return undefined;
      // Several daemons: only the conference's holder calls into it (one call at a time there).
      if (src.owns && !src.owns(store))
        throw new Error(
          `another daemon holds conference ${store.audio_conf_id} now: ask that one (see status), or again in a few seconds`,
        );
      const alert = buildTestAlert(randomUUID(), { storeId, cameraId: 'say' }, clock.now());
      const said = await src.say({ ...alert, id: `say-${alert.id.replace(/^test-/, '')}` }, store, text);
      logger.info('admin API: sentence said', { store: storeId, outcome: said.kind });
      return said.kind === 'played'
        ? { callId: said.callToken, played: true, detail: said.detail }
        : { callId: '', played: false, detail: 'skipped' };
    },
    integrations: async () =>
      Promise.all(
        (await journal.integrations.list()).map(async (i) => ({
          id: i.id,
          type: i.type,
          url: displayUrl(i.url),
          filter: i.filter,
          scope: i.scope,
          enabled: i.enabled,
          disabledReason: i.disabledReason,
          backlog: await journal.integrations.backlog(i),
          attempts: i.attempts,
          nextAt: i.nextAt,
          lastError: i.lastError,
        })),
      ),
    testIntegration: async (id) => {
      const integration = await journal.integrations.get(id);
      if (!integration) return undefined;
      const result = await sendTestPing(integration, src.transports, () => clock.now());
      logger.info('admin API: integration tested', {
        integrationId: id,
        eventId: result.eventId,
        delivered: result.delivered,
        status: result.status,
      });
      return result;
    },
    stats: async (since) => journal.admin.stats(since),
  };
}
