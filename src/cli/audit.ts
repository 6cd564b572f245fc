import { hostname, userInfo } from 'node:os';
import { JournalAudit, type AuditRow } from '../journal/audit';
import type { Db } from '../journal/sql/db';
import { configFor, print, withJournal, type GlobalOptions } from './context';
import { CliExit, EXIT } from './exit-codes';
import { localTime } from './local-time';
import { parseSince } from './time-arg';

export interface AuditOptions extends GlobalOptions {
  since?: string;
}

/** Who ran a command: the person behind sudo when there is one, else the system account. */
export function commandActor(): string {
  if (process.env.SUDO_USER) return process.env.SUDO_USER;
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/**
 * Writes a change a command made to the audit trail, in the journal it changed. The change is
 * made by then: a trail that cannot be written is said on standard error, and the command goes
 * on to print what it did (a generated password, an integration's secret) and exits 0.
 */
export async function recordCommand(
  db: Db,
  action: string,
  target: string | null,
  detail: Record<string, unknown> = {},
): Promise<void> {
  try {
    await new JournalAudit(db).record({
      at: Date.now(),
      actor: commandActor(),
      via: 'cli',
      address: hostname(),
      action,
      target,
      detail,
    });
  } catch (err) {
    process.stderr.write(
      `${action}: done, but not written to the audit trail: ${err instanceof Error ? err.message : String(err)}\n`,
    );
  }
}

/** `audit [--since 7d]`: who changed what, when and from where, oldest first. */
export async function audit(opts: AuditOptions): Promise<void> {
  let since: number;
  try {
    since = parseSince(opts.since ?? '7d', Date.now());
  } catch (err) {
    throw new CliExit(EXIT.usage, `audit: --since ${(err as Error).message}`);
  }
  const config = configFor(opts);
  const rows = await withJournal(config, 'audit', 'read', (db) => new JournalAudit(db).since(since));
  const human = rows.length
    ? rows.map(line).join('\n')
    : `no changes recorded since ${localTime(since)} (the trail keeps BRIDGE_AUDIT_RETENTION_DAYS)`;
  print(opts, human, { success: true, result: rows });
}

function line(r: AuditRow): string {
  const what = [r.action, r.target].filter(Boolean).join(' ');
  const detail = Object.entries(r.detail)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return [localTime(r.at), `${r.actor} (${r.via}${r.address ? `, ${r.address}` : ''})`, what, detail]
    .filter(Boolean)
    .join('  ');
}
