import { randomBytes } from 'node:crypto';
import type { BridgeConfig } from '../config/load';
import { JournalIntegrationStore } from '../journal/integration-store';
import type { Db } from '../journal/sql/db';
import {
  ALERT_EVENT_TYPES,
  INTEGRATION_TYPES,
  displayUrl,
  type Integration,
  type IntegrationType,
} from '../integrations/integration';
import type { AlertEventType } from '../pipeline/alert-event';
import { generateSecret, pbxToken } from '../integrations/signing';
import { sendTestPing } from '../integrations/test-ping';
import { transportsFor } from '../integrations/from-settings';
import { configFor, print, withJournal, type GlobalOptions } from './context';
import { CliExit, EXIT } from './exit-codes';
import { daemonRunning } from './daemon-signal';
import { recordCommand } from './audit';

export interface AddOptions extends GlobalOptions {
  type?: string;
  url?: string;
  filter?: string;
  scope?: string;
}

const usage = (m: string) => new CliExit(EXIT.usage, `integrations: ${m}`);

/** Wildix API style answers: `{"success":true,"result":...}`. */
const answer = (result: unknown) => ({ success: true, result });

/** `integrations add`: records it in the journal and prints its secret, this once. */
export async function addIntegration(opts: AddOptions): Promise<void> {
  const type = checkType(opts.type);
  const url = checkUrl(type, opts.url);
  const filter = checkFilter(opts.filter);
  const config = configFor(opts);
  const scope = checkScope(opts.scope ?? 'all', config);
  const secret = generateSecret();
  const id = `int_${randomBytes(6).toString('hex')}`;
  const integration = { id, type, url, secret, filter, scope, createdAt: Date.now() };
  // On a shared journal, whichever daemon holds the cron lease delivers it.
  const shared = await onIntegrations(config, 'write', async (store, db) => {
    await store.add(integration);
    // The receiver's host only: a webhook URL may carry its own secret in its path.
    await recordCommand(db, 'integrations add', id, { type, host: new URL(url).host, filter, scope });
    return db.dialect === 'pg';
  });
  const token = pbxToken(secret);
  const human = [
    `integration ${id} added: ${type} to ${displayUrl(url)}, events ${filter.join(',')}, scope ${scope}`,
    `secret:      ${secret}`,
    `X-Pbx-Token: ${token}`,
    'The secret is shown only now: give it to the receiver, which checks x-signature and webhook-signature with it (docs/integrations.md).',
    whoSends(config, shared),
  ].join('\n');
  print(opts, human, answer({ id, type, url, filter, scope, secret, pbxToken: token }));
}

/** Who delivers the new integration's events: the daemon reads the list again at each event, no signal needed. */
function whoSends(config: BridgeConfig, shared: boolean): string {
  if (shared)
    return 'The daemons sharing the journal send this integration the events from now on (the one holding the cron lease delivers); no restart is needed.';
  const dataDir = config.settings.BRIDGE_DATA_DIR;
  return daemonRunning(dataDir)
    ? 'The running daemon sends this integration the events from now on; no restart is needed.'
    : `No daemon is running on ${dataDir}: the daemon sends this integration the events from its next start.`;
}

/** What `list` and `test` read: the admin API's view of the integrations, and their outcomes. */
const reading = <T>(config: BridgeConfig, fn: (store: JournalIntegrationStore) => Promise<T>): Promise<T> =>
  onIntegrations(config, 'read', fn);

/** `integrations list`: every integration and its state, secrets never shown. */
export async function listIntegrations(opts: GlobalOptions): Promise<void> {
  const config = configFor(opts);
  const result = await reading(config, async (store) => {
    const since = Date.now() - 86_400_000;
    const outcomes = await store.outcomes(since);
    const count = (id: string, outcome: 'delivered' | 'dead') =>
      outcomes.find((o) => o.integrationId === id && o.outcome === outcome)?.count ?? 0;
    return Promise.all(
      (await store.list()).map(async (i) => ({
        id: i.id,
        type: i.type,
        url: displayUrl(i.url),
        filter: i.filter,
        scope: i.scope,
        enabled: i.enabled,
        ...(i.disabledReason ? { disabledReason: i.disabledReason } : {}),
        backlog: i.enabled ? await store.backlog(i) : 0,
        ...(i.attempts > 0
          ? {
              retrying: {
                attempts: i.attempts,
                nextAttemptAt: i.nextAt && new Date(i.nextAt).toISOString(),
                lastError: i.lastError,
              },
            }
          : {}),
        last24h: { delivered: count(i.id, 'delivered'), givenUp: count(i.id, 'dead') },
      })),
    );
  });
  print({ json: true }, '', answer(result));
}

/** `integrations remove <id>`: it gets nothing more, and its secret is gone. */
export async function removeIntegration(id: string, opts: GlobalOptions): Promise<void> {
  const config = configFor(opts);
  const removed = await onIntegrations(config, 'write', async (store, db) => {
    const gone = await store.remove(id);
    if (gone) await recordCommand(db, 'integrations remove', id);
    return gone;
  });
  if (!removed)
    throw new CliExit(EXIT.failure, `integrations: no integration "${id}" (see veesion-bridge integrations list)`);
  print(opts, `integration ${id} removed`, answer({ id, removed: true }));
}

/** `integrations test <id>`: a signed `ping`, sent as events are, and the receiver's answer. */
export async function testIntegration(id: string, opts: GlobalOptions): Promise<void> {
  const config = configFor(opts);
  const s = config.settings;
  const integration: Integration | undefined = await reading(config, async (store) => store.get(id));
  if (!integration)
    throw new CliExit(EXIT.failure, `integrations: no integration "${id}" (see veesion-bridge integrations list)`);
  const delivery = transportsFor(s);
  const r = await sendTestPing(integration, delivery.transports, Date.now);
  delivery.stop();
  const status = r.status === null ? 'no answer' : `${r.status}`;
  const human = `ping ${r.eventId} to ${displayUrl(integration.url)}: ${r.delivered ? 'delivered' : 'NOT delivered'} (${status}, ${r.durationMs} ms)${r.delivered ? '' : `\n${r.error}`}${r.answer ? `\nanswer: ${r.answer}` : ''}`;
  const machine = {
    success: r.delivered,
    result: {
      id,
      eventId: r.eventId,
      status: r.status,
      durationMs: r.durationMs,
      answer: r.answer,
      ...(r.delivered ? {} : { error: r.error }),
    },
  };
  if (!r.delivered) throw new CliExit(EXIT.failure, opts.json ? JSON.stringify(machine) : human);
  print(opts, human, machine);
}

function checkType(type: string | undefined): IntegrationType {
  if (!INTEGRATION_TYPES.includes(type as IntegrationType))
    throw usage(
      `--type must be ${INTEGRATION_TYPES.join(' or ')} (got ${type === undefined ? 'nothing' : `"${type}"`})`,
    );
  return type as IntegrationType;
}

function checkUrl(type: IntegrationType, url: string | undefined): string {
  if (url === undefined || url.length > 2000 || !URL.canParse(url))
    throw usage(
      `--url must be an absolute http(s) URL (got ${url === undefined ? 'nothing' : `"${url.slice(0, 80)}"`})`,
    );
  const u = new URL(url);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw usage(`--url must be http or https (got ${u.protocol})`);
  if (type === 'sqs' && !/^\/[A-Za-z0-9_-]{1,80}\/[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(u.pathname)) {
    throw usage(
      '--url of an sqs integration is the queue URL, e.g. https://sqs.eu-west-1.amazonaws.com/123456789012/alerts',
    );
  }
  return url;
}

function checkFilter(filter: string | undefined): AlertEventType[] {
  if (filter === undefined) return [...ALERT_EVENT_TYPES];
  const types = filter
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  const unknown = types.filter((t) => !ALERT_EVENT_TYPES.includes(t as AlertEventType));
  if (types.length === 0 || unknown.length > 0)
    throw usage(
      `--filter lists event types from ${ALERT_EVENT_TYPES.join(', ')} (unknown: ${unknown.join(', ') || 'none given'})`,
    );
  return [...new Set(types)] as AlertEventType[];
}

/** `all`, a location of x-hoppers.json, or one of its store ids. */
function checkScope(scope: string, config: BridgeConfig): string {
  if (scope === 'all') return scope;
  const stores = config.stores.map((s) => s.store_veesion_id);
  const locations = [...new Set(config.stores.map((s) => s.location).filter((l): l is string => !!l))];
  if (stores.includes(scope) || locations.includes(scope)) return scope;
  throw usage(
    `--scope is all, a location (${locations.join(', ') || 'none configured'}) or a store_veesion_id (${stores.join(', ')}); "${scope}" is neither`,
  );
}

/** `fn` on the integrations of the daemons' journal (a PostgreSQL one that fails: exit 1 naming the server, password hidden). */
function onIntegrations<T>(
  config: BridgeConfig,
  mode: 'read' | 'write',
  fn: (store: JournalIntegrationStore, db: Db) => Promise<T>,
): Promise<T> {
  return withJournal(
    config,
    'integrations',
    mode,
    (db) => fn(new JournalIntegrationStore(db), db),
    ' (has a daemon created its tables yet?)',
  );
}
