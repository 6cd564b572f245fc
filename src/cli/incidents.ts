import { SqliteIncidentStore } from '../journal/incident-store';
import { recordIncidentEvent } from '../journal/operator-events';
import { SqliteChatStore } from '../journal/chat-store';
import { claimedLine, resolvedLine } from '../pipeline/follow-up';
import { journalFile } from '../journal/journal-file';
import { OUTCOMES, PERSON_NAME as NAME, type Incident, type Outcome } from '../pipeline/incident';
import { configFor, openOrExit, print, type GlobalOptions, sqliteJournalOnly } from './context';
import { signalDaemon } from './daemon-signal';
import { CliExit, EXIT } from './exit-codes';


/**
 * `claim <alert-or-incident-id> --by <name>` and `resolve <id> --outcome <outcome> [--by]`.
 * They write the journal (so they work while the daemon is down: a claim then takes effect at
 * its start), then wake the running daemon (SIGUSR2), which stops the repeats and tells the
 * conference and the chat who took it.
 */
export function claim(ref: string, opts: GlobalOptions & { by: string }): void {
  const by = opts.by.trim();
  if (!NAME.test(by)) throw new CliExit(EXIT.usage, 'claim: --by names who takes it (1-80 characters, one line)');
  const { store, db, config, dataDir, close } = openStore(opts);
  try {
    const found = store.find(ref);
    if (!found) throw new CliExit(EXIT.failure, `claim: no incident or alert ${ref} in the journal`);
    const now = Date.now();
    const result = db.transaction(() => {
      const r = store.claim(found.id, by, 'cli', now);
      // The chat's follow-up with the claim: posted by the daemon even if the incident is resolved before it starts.
      if (r.kind === 'claimed') {
        new SqliteChatStore(db).add({ incidentId: r.incident.id, storeId: r.incident.storeId, kind: 'claimed', text: claimedLine(r.incident) }, now);
        // And its alert.claimed: the daemon, woken, only tells the conference (it publishes the claims it takes itself).
        recordIncidentEvent(db, 'alert.claimed', r.incident, config.stores.find((st) => st.store_veesion_id === r.incident.storeId), now);
      }
      return r;
    })();
    switch (result.kind) {
      case 'claimed':
        return report(opts, dataDir, `incident ${found.id} (camera ${found.cameraId} of ${found.storeId}) claimed by ${by}`, { ok: true, incident: result.incident });
      case 'already':
        throw refused(opts, `already claimed by ${result.incident.claimedBy} at ${iso(result.incident.claimedAt)}: your claim is kept as a second`, result.incident);
      case 'closed':
        throw refused(opts, `incident ${found.id} is already ${result.incident.state}`, result.incident);
      case 'not-found':
        throw new CliExit(EXIT.failure, `claim: no incident or alert ${ref} in the journal`);
    }
  } finally {
    close();
  }
}

export function resolve(ref: string, opts: GlobalOptions & { outcome: string; by?: string }): void {
  if (!OUTCOMES.includes(opts.outcome as Outcome)) throw new CliExit(EXIT.usage, `resolve: --outcome is one of ${OUTCOMES.join(', ')}`);
  const by = opts.by?.trim();
  if (by !== undefined && !NAME.test(by)) throw new CliExit(EXIT.usage, 'resolve: --by names who resolved it (1-80 characters, one line)');
  const { store, db, config, dataDir, close } = openStore(opts);
  try {
    const found = store.find(ref);
    if (!found) throw new CliExit(EXIT.failure, `resolve: no incident or alert ${ref} in the journal`);
    const now = Date.now();
    const result = db.transaction(() => {
      const r = store.resolve(found.id, opts.outcome as Outcome, by ?? null, now);
      // The same alert.resolved the HTTP route sends, in the same transaction as the change.
      if (r.kind === 'resolved') {
        recordIncidentEvent(db, 'alert.resolved', r.incident, config.stores.find((st) => st.store_veesion_id === r.incident.storeId), now);
        // And the chat's follow-up, which the daemon posts when woken (or at its next start).
        new SqliteChatStore(db).add({ incidentId: r.incident.id, storeId: r.incident.storeId, kind: 'resolved', text: resolvedLine(r.incident) }, now);
      }
      return r;
    })();
    if (result.kind === 'already') throw refused(opts, `incident ${found.id} was already resolved (${result.incident.outcome})`, result.incident);
    if (result.kind === 'not-found') throw new CliExit(EXIT.failure, `resolve: no incident or alert ${ref} in the journal`);
    report(opts, dataDir, `incident ${found.id} resolved: ${opts.outcome}`, { ok: true, incident: result.incident });
  } finally {
    close();
  }
}

function openStore(opts: GlobalOptions) {
  const config = sqliteJournalOnly(configFor(opts), 'claim and resolve');
  const dataDir = config.settings.BRIDGE_DATA_DIR;
  const db = openOrExit(journalFile(dataDir), 'write');
  return { store: new SqliteIncidentStore(db), db, config, dataDir, close: () => db.close() };
}

/** Prints the outcome and wakes the daemon; with the daemon down, it acts at its next start. */
function report(opts: GlobalOptions, dataDir: string, human: string, machine: Record<string, unknown>): void {
  const woken = signalDaemon(dataDir, 'SIGUSR2');
  const note = woken.sent ? '' : ' (the daemon is not running: it takes effect at its next start)';
  print(opts, human + note, { ...machine, daemonWoken: woken.sent });
}

function refused(opts: GlobalOptions, message: string, incident: Incident): CliExit {
  return new CliExit(EXIT.failure, opts.json ? JSON.stringify({ ok: false, error: message, incident }) : message);
}

function iso(ms: number | null): string {
  return ms === null ? 'an unknown time' : new Date(ms).toISOString();
}
