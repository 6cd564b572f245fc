import { SqliteIncidentStore } from '../journal/incident-store';
import { recordIncidentEvent } from '../journal/operator-events';
import { SqliteChatStore } from '../journal/chat-store';
import { claimedLine, resolvedLine } from '../pipeline/follow-up';
import { journalFile } from '../journal/journal-file';
import { PgOperator } from '../journal/pg/pg-operator';
import type { BridgeConfig } from '../config/load';
import { OUTCOMES, type ClaimResult, type Incident, type Outcome, type ResolveResult } from '../pipeline/incident';
import { NAME_RULE, checkName } from '../pipeline/person-name';
import { configFor, onSharedJournal, openOrExit, print, type GlobalOptions } from './context';
import { signalDaemon } from './daemon-signal';
import { CliExit, EXIT } from './exit-codes';
import { localTime } from './local-time';

type Found<R> = { found: Incident | undefined; result?: R };

/**
 * `claim <alert-or-incident-id> --by <name>` and `resolve <id> --outcome <outcome> [--by]`.
 * They write the journal (so they work while the daemon is down: a claim then takes effect at
 * its start), then wake the running daemon (SIGUSR2), which stops the repeats and tells the
 * conference and the chat who took it. On a shared PostgreSQL journal (BRIDGE_JOURNAL_URL) the
 * write itself NOTIFYs the daemons.
 */
export async function claim(ref: string, opts: GlobalOptions & { by: string }): Promise<void> {
  const by = personName('claim', opts.by, 'who takes it');
  const config = configFor(opts);
  const now = Date.now();
  const { found, result } = config.settings.BRIDGE_JOURNAL_URL
    ? await onShared(config, config.settings.BRIDGE_JOURNAL_URL, 'claim', async (op): Promise<Found<ClaimResult>> => {
        const found = await op.find(ref);
        return { found, ...(found ? { result: await op.claim(found.id, by, now) } : {}) };
      })
    : onSqlite(config, (store, db): Found<ClaimResult> => {
        const found = store.find(ref);
        if (!found) return { found };
        return {
          found,
          result: db.transaction(() => {
            const r = store.claim(found.id, by, 'cli', now);
            if (r.kind === 'claimed') {
              // The chat's follow-up with the claim: posted by the daemon even if the incident is resolved before it starts.
              new SqliteChatStore(db).add(
                {
                  incidentId: r.incident.id,
                  storeId: r.incident.storeId,
                  kind: 'claimed',
                  text: claimedLine(r.incident),
                },
                now,
              );
              // And its alert.claimed: the daemon, woken, only tells the conference (it publishes the claims it takes itself).
              recordIncidentEvent(db, 'alert.claimed', r.incident, storeOf(config, r.incident.storeId), now);
            }
            return r;
          })(),
        };
      });
  if (!found || !result) throw new CliExit(EXIT.failure, `claim: no incident or alert ${ref} in the journal`);
  switch (result.kind) {
    case 'claimed':
      return report(
        opts,
        config,
        `incident ${found.id} (camera ${found.cameraId} of ${found.storeId}) claimed by ${by}`,
        { ok: true, incident: result.incident },
      );
    case 'already':
      throw refused(
        opts,
        `already claimed by ${result.incident.claimedBy} at ${when(result.incident.claimedAt)}: your claim is kept as a second`,
        result.incident,
      );
    case 'closed':
      throw refused(opts, `incident ${found.id} is already ${result.incident.state}`, result.incident);
    case 'not-found':
      throw new CliExit(EXIT.failure, `claim: no incident or alert ${ref} in the journal`);
  }
}

export async function resolve(ref: string, opts: GlobalOptions & { outcome: string; by?: string }): Promise<void> {
  if (!OUTCOMES.includes(opts.outcome as Outcome))
    throw new CliExit(EXIT.usage, `resolve: --outcome is one of ${OUTCOMES.join(', ')}`);
  const outcome = opts.outcome as Outcome;
  const by = opts.by === undefined ? undefined : personName('resolve', opts.by, 'who resolved it');
  const config = configFor(opts);
  const now = Date.now();
  const { found, result } = config.settings.BRIDGE_JOURNAL_URL
    ? await onShared(
        config,
        config.settings.BRIDGE_JOURNAL_URL,
        'resolve',
        async (op): Promise<Found<ResolveResult>> => {
          const found = await op.find(ref);
          return { found, ...(found ? { result: await op.resolve(found.id, outcome, by ?? null, now) } : {}) };
        },
      )
    : onSqlite(config, (store, db): Found<ResolveResult> => {
        const found = store.find(ref);
        if (!found) return { found };
        return {
          found,
          result: db.transaction(() => {
            const r = store.resolve(found.id, outcome, by ?? null, now);
            // The same alert.resolved the HTTP route sends, in the same transaction as the change.
            if (r.kind === 'resolved') {
              recordIncidentEvent(db, 'alert.resolved', r.incident, storeOf(config, r.incident.storeId), now);
              // And the chat's follow-up, which the daemon posts when woken (or at its next start).
              new SqliteChatStore(db).add(
                {
                  incidentId: r.incident.id,
                  storeId: r.incident.storeId,
                  kind: 'resolved',
                  text: resolvedLine(r.incident),
                },
                now,
              );
            }
            return r;
          })(),
        };
      });
  if (!found || !result || result.kind === 'not-found')
    throw new CliExit(EXIT.failure, `resolve: no incident or alert ${ref} in the journal`);
  if (result.kind === 'already')
    throw refused(opts, `incident ${found.id} was already resolved (${result.incident.outcome})`, result.incident);
  report(opts, config, `incident ${found.id} resolved: ${opts.outcome}`, { ok: true, incident: result.incident });
}

/** `--by`, trimmed, when it keeps the names rule; a usage error saying why otherwise. */
function personName(command: string, by: string, role: string): string {
  const name = by.trim();
  const why = checkName(name);
  if (why !== undefined) throw new CliExit(EXIT.usage, `${command}: --by ${why}: it names ${role}, ${NAME_RULE}`);
  return name;
}

const storeOf = (config: BridgeConfig, storeId: string) => config.stores.find((st) => st.store_veesion_id === storeId);

function onSqlite<T>(
  config: BridgeConfig,
  fn: (store: SqliteIncidentStore, db: ReturnType<typeof openOrExit>) => T,
): T {
  const db = openOrExit(journalFile(config.settings.BRIDGE_DATA_DIR), 'write');
  try {
    return fn(new SqliteIncidentStore(db), db);
  } finally {
    db.close();
  }
}

/** `fn` with the operator's claim and resolve on the shared journal (exit 1 naming the server when it fails). */
function onShared<T>(
  config: BridgeConfig,
  url: string,
  command: string,
  fn: (op: PgOperator) => Promise<T>,
): Promise<T> {
  return onSharedJournal(url, command, (pool) => fn(new PgOperator(pool, (id) => storeOf(config, id))));
}

/** Prints the outcome and wakes the daemon; with the daemon down, it acts at its next start. */
function report(opts: GlobalOptions, config: BridgeConfig, human: string, machine: Record<string, unknown>): void {
  if (config.settings.BRIDGE_JOURNAL_URL) {
    // The journal's NOTIFY told every daemon; with none running, the next one to start acts on it.
    return print(opts, `${human} (the daemons sharing the journal were notified)`, { ...machine, daemonWoken: true });
  }
  const woken = signalDaemon(config.settings.BRIDGE_DATA_DIR, 'SIGUSR2');
  const note = woken.sent ? '' : ' (the daemon is not running: it takes effect at its next start)';
  print(opts, human + note, { ...machine, daemonWoken: woken.sent });
}

function refused(opts: GlobalOptions, message: string, incident: Incident): CliExit {
  return new CliExit(EXIT.failure, opts.json ? JSON.stringify({ ok: false, error: message, incident }) : message);
}

function when(ms: number | null): string {
  return ms === null ? 'an unknown time' : localTime(ms);
}
