import Database from 'better-sqlite3';
import { chownSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the daemon holding the data directory writes its pid (`reload` and `replay` signal it). */
export const PID_FILE = 'veesion-bridge.pid';
const LOCK_FILE = 'daemon.lock';

export class DataDirLockedError extends Error {
  readonly code = 'DATA_DIR_LOCKED';
  constructor(
    readonly dataDir: string,
    readonly holderPid: number | undefined,
  ) {
    super(
      `another veesion-bridge daemon${holderPid ? ` (pid ${holderPid})` : ''} is using ${dataDir}: ` +
        'two daemons on one journal would announce and post alerts twice. Stop it first (systemctl stop veesion-bridge), ' +
        'or give this one another BRIDGE_DATA_DIR.',
    );
    this.name = 'DataDirLockedError';
  }
}

/**
 * One daemon per data directory. The lock is SQLite's own: a database in `locking_mode =
 * EXCLUSIVE` keeps its exclusive (fcntl) lock from its first write until the connection
 * closes, and the kernel drops it when the process dies, even by SIGKILL, so a crash never
 * leaves a stale lock behind. Taken before the journal is opened; a second daemon fails at
 * once, having touched nothing.
 */
export class DataDirLock {
  private constructor(
    private readonly db: Database.Database,
    readonly dataDir: string,
  ) {}

  static acquire(dataDir: string): DataDirLock {
    mkdirSync(dataDir, { recursive: true });
    // A short wait, not none: `reload` peeks at the lock (isHeld) for an instant.
    const db = new Database(join(dataDir, LOCK_FILE), { timeout: 250 });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      // The write takes the exclusive lock, and EXCLUSIVE mode keeps it after the commit.
      db.exec(
        'BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS held (at INTEGER); DELETE FROM held; INSERT INTO held VALUES (unixepoch()); COMMIT;',
      );
    } catch (err) {
      db.close();
      if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY'))
        throw new DataDirLockedError(dataDir, holderPid(dataDir));
      throw err;
    }
    writeFileSync(join(dataDir, PID_FILE), `${process.pid}\n`);
    ownedLikeTheDirectory(dataDir, [LOCK_FILE, PID_FILE]);
    return new DataDirLock(db, dataDir);
  }

  /**
   * The pid of the daemon holding `dataDir` now, or undefined when none does: a pid file a
   * crash left behind names a process that may be anything by now, so it is believed only
   * while its lock is held.
   */
  static holder(dataDir: string): number | undefined {
    let db: Database.Database;
    try {
      db = new Database(join(dataDir, LOCK_FILE), { readonly: true, fileMustExist: true, timeout: 0 });
    } catch {
      return undefined; // no lock file: no daemon has ever run here
    }
    try {
      db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
      return undefined; // readable: nobody holds the exclusive lock
    } catch (err) {
      return (err as { code?: string }).code?.startsWith('SQLITE_BUSY') ? holderPid(dataDir) : undefined;
    } finally {
      db.close();
    }
  }

  release(): void {
    if (!this.db.open) return;
    rmSync(join(this.dataDir, PID_FILE), { force: true });
    this.db.close();
  }
}

/** Run as root (by hand), the lock files go to the data directory's owner: the service must open them later. */
function ownedLikeTheDirectory(dataDir: string, names: string[]): void {
  if (process.getuid?.() !== 0) return;
  const { uid, gid } = statSync(dataDir);
  for (const name of names) {
    try {
      chownSync(join(dataDir, name), uid, gid);
    } catch {
      // gone already: nothing to own
    }
  }
}

function holderPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, PID_FILE), 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}
