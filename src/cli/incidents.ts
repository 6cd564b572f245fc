import { JournalIncidentStore } from '../journal/incident-store';
import { IncidentCommands } from '../pipeline/incident-commands';
import type { BridgeConfig } from '../config/load';
import { OUTCOMES, type Incident, type Outcome } from '../pipeline/incident';
import { NAME_RULE, checkName } from '../pipeline/person-name';
import { configFor, print, withJournal, type GlobalOptions } from './context';
import { signalDaemon } from './daemon-signal';
import { CliExit, EXIT } from './exit-codes';
import { localTime } from './local-time';
import type { Db } from '../journal/sql/db';
import { recordCommand } from './audit';

/** What a command found and did, and whether its journal is shared (its NOTIFY woke the daemons). */
type Found<R> = { found: Incident | undefined; result?: R; sharedJournal: boolean };

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
  const { found, result, sharedJournal } = await withCommands(config, 'claim', async (commands, db) => {
    const found = await commands.find(ref);
    const result = found ? await commands.claim(found.id, by, 'cli', now) : undefined;
    if (found && result?.kind === 'claimed') await recordCommand(db, 'claim', found.id, { by });
    return { found, ...(result ? { result } : {}) };
  });
  if (!found || !result) throw new CliExit(EXIT.failure, `claim: no incident or alert ${ref} in the journal`);
  switch (result.kind) {
    case 'claimed':
      return report(
        opts,
        config,
        sharedJournal,
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
  const { found, result, sharedJournal } = await withCommands(config, 'resolve', async (commands, db) => {
    const found = await commands.find(ref);
    const result = found ? await commands.resolve(found.id, outcome, by ?? null, now) : undefined;
    if (found && result?.kind === 'resolved')
      await recordCommand(db, 'resolve', found.id, { outcome, ...(by ? { by } : {}) });
    return { found, ...(result ? { result } : {}) };
  });
  if (!found || !result || result.kind === 'not-found')
    throw new CliExit(EXIT.failure, `resolve: no incident or alert ${ref} in the journal`);
  if (result.kind === 'already')
    throw refused(opts, `incident ${found.id} was already resolved (${result.incident.outcome})`, result.incident);
  report(opts, config, sharedJournal, `incident ${found.id} resolved: ${opts.outcome}`, {
    ok: true,
    incident: result.incident,
  });
}

/** `--by`, trimmed, when it keeps the names rule; a usage error saying why otherwise. */
function personName(command: string, by: string, role: string): string {
  const name = by.trim();
  const why = checkName(name);
  if (why !== undefined) throw new CliExit(EXIT.usage, `${command}: --by ${why}: it names ${role}, ${NAME_RULE}`);
  return name;
}

const storeOf = (config: BridgeConfig, storeId: string) => config.stores.find((st) => st.store_veesion_id === storeId);

/**
 * `fn` with the incident commands on the daemons' journal: the change, its event and its chat
 * follow-up in one transaction (the daemon, woken, only tells the conference).
 */
function withCommands<R>(
  config: BridgeConfig,
  command: string,
  fn: (commands: IncidentCommands, db: Db) => Promise<Omit<Found<R>, 'sharedJournal'>>,
): Promise<Found<R>> {
  return withJournal(config, command, 'write', async (db) => ({
    ...(await fn(new IncidentCommands(new JournalIncidentStore(db), (id) => storeOf(config, id)), db)),
    sharedJournal: db.dialect === 'pg',
  }));
}

/** Prints the outcome and wakes the daemon; with the daemon down, it acts at its next start. */
function report(
  opts: GlobalOptions,
  config: BridgeConfig,
  sharedJournal: boolean,
  human: string,
  machine: Record<string, unknown>,
): void {
  if (sharedJournal) {
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
