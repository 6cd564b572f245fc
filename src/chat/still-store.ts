import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deleteOlderThan } from './old-files';
import type { Db } from '../journal/sql/db';

/** Where the still images of recent alerts are kept for the console's Live page, pruned by age with the journal. */
export interface StillKeeper {
  save(alertId: string, jpeg: Buffer): Promise<void>;
  read(alertId: string): Promise<Buffer | undefined>;
  /** Removes stills older than `maxAgeMs`; returns how many went. */
  prune(maxAgeMs: number, now?: number): Promise<number>;
}

/**
 * The stills in the data directory (`stills/`), served by this host's daemon alone. Named by a
 * hash of the alert id (ids are untrusted: never a path), written atomically.
 */
export class StillStore implements StillKeeper {
  constructor(private readonly dir: string) {}

  async save(alertId: string, jpeg: Buffer): Promise<void> {
    mkdirSync(this.dir, { recursive: true, mode: 0o750 });
    const file = this.file(alertId);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, jpeg, { mode: 0o640 });
    renameSync(tmp, file);
  }

  async read(alertId: string): Promise<Buffer | undefined> {
    try {
      return readFileSync(this.file(alertId));
    } catch {
      return undefined;
    }
  }

  async prune(maxAgeMs: number, now = Date.now()): Promise<number> {
    return deleteOlderThan(this.dir, maxAgeMs, now);
  }

  private file(alertId: string): string {
    return join(this.dir, `${createHash('sha256').update(alertId).digest('hex').slice(0, 32)}.jpg`);
  }
}

/**
 * The stills in the journal the daemons share: the daemon that took one may not be the one a
 * console asks, and nothing of a daemon's is kept on its host.
 */
export class JournalStills implements StillKeeper {
  constructor(private readonly db: Db) {}

  async save(alertId: string, jpeg: Buffer): Promise<void> {
    // The same alert's still taken again (a chat step retried) replaces the first.
    await this.db.run(
      `INSERT INTO stills (alert_id, jpeg, saved_at) VALUES (?, ?, ?)
       ON CONFLICT (alert_id) DO UPDATE SET jpeg = excluded.jpeg, saved_at = excluded.saved_at`,
      [alertId, jpeg, Date.now()],
    );
  }

  async read(alertId: string): Promise<Buffer | undefined> {
    return (await this.db.get<{ jpeg: Buffer }>('SELECT jpeg FROM stills WHERE alert_id = ?', [alertId]))?.jpeg;
  }

  prune(maxAgeMs: number, now = Date.now()): Promise<number> {
    return this.db.run('DELETE FROM stills WHERE saved_at < ?', [now - maxAgeMs]);
  }
}
