import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deleteOlderThan } from './old-files';

/**
 * The still images of recent alerts, kept in the data directory (`stills/`) for the console's
 * Live page. Named by a hash of the alert id (ids are untrusted: never a path), written
 * atomically, pruned by age with the journal.
 */
export class StillStore {
  constructor(private readonly dir: string) {}

  save(alertId: string, jpeg: Buffer): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o750 });
    const file = this.file(alertId);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, jpeg, { mode: 0o640 });
    renameSync(tmp, file);
  }

  read(alertId: string): Buffer | undefined {
    try {
      return readFileSync(this.file(alertId));
    } catch {
      return undefined;
    }
  }

  /** Removes stills older than `maxAgeMs`; returns how many went. */
  prune(maxAgeMs: number, now = Date.now()): number {
    return deleteOlderThan(this.dir, maxAgeMs, now);
  }

  private file(alertId: string): string {
    return join(this.dir, `${createHash('sha256').update(alertId).digest('hex').slice(0, 32)}.jpg`);
  }
}
