import Database from 'better-sqlite3';
import { closeSync, existsSync, fsyncSync, linkSync, lstatSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export class BackupError extends Error {
  constructor(
    readonly code: 'JOURNAL_MISSING' | 'NOT_A_JOURNAL' | 'TARGET_EXISTS' | 'TARGET_DIR' | 'COPY_INVALID',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BackupError';
  }
}

export interface BackupProgress {
  totalPages: number;
  remainingPages: number;
  /** The journal changed under the copy (the daemon wrote), so SQLite began it again. */
  restarted: boolean;
}

export interface BackupResult {
  file: string;
  journal: string;
  bytes: number;
  pages: number;
  pageSize: number;
  alerts: number;
}

/** Pages per backup step at first: 4 MiB at SQLite's default page size. */
export const FIRST_STEP_PAGES = 1024;

/**
 * A consistent copy of the journal beside the running daemon, with SQLite's online backup
 * (https://www.sqlite.org/backup.html). The source is opened read-only; in WAL mode each step
 * is a short read transaction that never blocks the daemon's writes. A write by the daemon
 * restarts the copy at the next step, so each restart makes the steps 4 times larger: with a
 * busy daemon the copy still ends (at worst in one step, one snapshot). The copy is written
 * owner-only (it holds integration secrets) under a temporary name, checked with
 * `integrity_check`, then linked into place, which fails rather than replace a file.
 */
export async function backupJournal(
  journal: string,
  target: string,
  onProgress?: (p: BackupProgress) => void,
): Promise<BackupResult> {
  if (!existsSync(journal)) {
    throw new BackupError(
      'JOURNAL_MISSING',
      `no journal at ${journal}: has the daemon run with this BRIDGE_DATA_DIR? (check BRIDGE_DATA_DIR, or --env-file)`,
    );
  }
  refuseExisting(target);
  const partial = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  try {
    closeSync(openSync(partial, 'wx', 0o600)); // SQLite writes into this file and keeps its mode
  } catch (err) {
    throw new BackupError(
      'TARGET_DIR',
      `cannot create ${partial}: ${(err as NodeJS.ErrnoException).code ?? String(err)} (does ${dirname(target)} exist and may you write there?)`,
      { cause: err },
    );
  }
  try {
    const source = new Database(journal, { readonly: true, fileMustExist: true });
    let pages: number;
    let pageSize: number;
    try {
      source.pragma('busy_timeout = 5000');
      if ((source.pragma('user_version', { simple: true }) as number) < 1) {
        throw new BackupError('NOT_A_JOURNAL', `${journal} is not a veesion-bridge journal (no schema version)`);
      }
      pageSize = source.pragma('page_size', { simple: true }) as number;
      pages = await copyInSteps(source, partial, onProgress);
    } finally {
      source.close();
    }
    const alerts = verify(partial);
    syncFile(partial);
    placeWithoutReplacing(partial, target);
    syncFile(dirname(target));
    return { file: target, journal, bytes: statSync(target).size, pages, pageSize, alerts };
  } finally {
    for (const f of [partial, `${partial}-journal`, `${partial}-wal`, `${partial}-shm`]) rmSync(f, { force: true });
  }
}

async function copyInSteps(
  source: Database.Database,
  partial: string,
  onProgress?: (p: BackupProgress) => void,
): Promise<number> {
  let step = FIRST_STEP_PAGES;
  let lastRemaining = Infinity;
  const done = await source.backup(partial, {
    progress: ({ totalPages, remainingPages }) => {
      const restarted = remainingPages > lastRemaining;
      if (restarted) step *= 4;
      lastRemaining = remainingPages;
      onProgress?.({ totalPages, remainingPages, restarted });
      return step;
    },
  });
  return done.totalPages;
}

/** Opens the copy on its own: a copy that is not whole is refused, never placed. */
function verify(partial: string): number {
  const copy = new Database(partial, { fileMustExist: true });
  try {
    const result = copy.pragma('integrity_check', { simple: true });
    if (result !== 'ok')
      throw new BackupError(
        'COPY_INVALID',
        `the copy failed SQLite's integrity check (${String(result)}); the journal itself may be damaged: run the check on it`,
      );
    return (copy.prepare('SELECT count(*) AS n FROM alerts').get() as { n: number }).n;
  } finally {
    copy.close();
  }
}

function refuseExisting(target: string): void {
  try {
    lstatSync(target); // a dangling symlink counts as existing too
  } catch {
    return;
  }
  throw new BackupError('TARGET_EXISTS', `${target} exists: not overwritten (choose another name, or remove it first)`);
}

/** link(2) fails if the name exists, even if it appeared during the copy; rename would replace it. */
function placeWithoutReplacing(partial: string, target: string): void {
  try {
    linkSync(partial, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') refuseExisting(target);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    refuseExisting(target); // a file system without hard links: check, then rename
    renameSync(partial, target);
  }
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
