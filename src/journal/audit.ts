import type { Db } from './sql/db';

/** One change a person made, as the audit trail keeps it. */
export interface AuditEntry {
  at: number;
  /** Who: a user, `admin token` (the break-glass token), or the system account that ran a command. */
  actor: string;
  /** How: `api`, `console` or `cli`. */
  via: 'api' | 'console' | 'cli';
  /** From where: the client's address (see client-address.ts), or the host a command ran on. */
  address: string | null;
  /** What, e.g. `POST /api/v1/incidents/:id/claim` or `users add`. */
  action: string;
  /** What it was done to: an incident, an alert, a store, an integration, a user. */
  target: string | null;
  /** The change's own values (an outcome, a silence's length); never a secret. */
  detail: Record<string, unknown>;
}

export interface AuditRow extends AuditEntry {
  id: number;
}

/** At most this many rows in one answer: the trail is read a week or a month at a time. */
export const AUDIT_MAX_ROWS = 10_000;

/**
 * The audit trail, in the journal the daemons share: who changed what, when, from where. It
 * holds personal data (names, addresses), so housekeeping drops what is older than
 * BRIDGE_AUDIT_RETENTION_DAYS.
 */
export class JournalAudit {
  constructor(private readonly db: Db) {}

  async record(e: AuditEntry): Promise<void> {
    await this.db.run(
      'INSERT INTO audit (at, actor, via, address, action, target, detail_json) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [e.at, e.actor, e.via, e.address, e.action, e.target, JSON.stringify(e.detail)],
    );
  }

  /** Since `since`, oldest first, at most `limit` (the newest ones when there are more). */
  async since(since: number, limit = AUDIT_MAX_ROWS): Promise<AuditRow[]> {
    const rows = await this.db.all<{
      id: number | string;
      at: number | string;
      actor: string;
      via: AuditEntry['via'];
      address: string | null;
      action: string;
      target: string | null;
      detail_json: string;
    }>(
      'SELECT id, at, actor, via, address, action, target, detail_json FROM audit WHERE at >= ? ORDER BY id DESC LIMIT ?',
      [since, limit],
    );
    return rows.reverse().map((r) => ({
      id: Number(r.id),
      at: Number(r.at),
      actor: r.actor,
      via: r.via,
      address: r.address,
      action: r.action,
      target: r.target,
      detail: JSON.parse(r.detail_json) as Record<string, unknown>,
    }));
  }

  /** Drops what is older than `cutoff`; how many went. */
  prune(cutoff: number): Promise<number> {
    return this.db.run('DELETE FROM audit WHERE at < ?', [cutoff]);
  }
}
