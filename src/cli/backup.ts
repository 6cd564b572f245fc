import { resolve } from 'node:path';
import {
  backupJournal,
  BackupError,
  FIRST_STEP_PAGES,
  type BackupProgress,
  type BackupResult,
} from '../journal/backup';
import { journalFile } from '../journal/journal-file';
import { configFor, print, type GlobalOptions, sqliteJournalOnly } from './context';
import { CliExit, EXIT } from './exit-codes';

/**
 * `veesion-bridge backup <file>`: a consistent copy of the journal while the daemon runs. The
 * daemon is not told: SQLite's online backup reads beside it. Progress goes to stderr, so
 * `--json` output on stdout stays one line.
 */
export async function backup(file: string, opts: GlobalOptions): Promise<void> {
  const config = sqliteJournalOnly(configFor(opts), 'backup (use pg_dump for a PostgreSQL journal)');
  const target = resolve(file);
  let result: BackupResult;
  try {
    result = await backupJournal(journalFile(config.settings.BRIDGE_DATA_DIR), target, progressPrinter());
  } catch (err) {
    if (err instanceof BackupError) throw new CliExit(EXIT.failure, `backup failed: ${err.message}`);
    throw err;
  }
  const mib = (result.bytes / 1024 / 1024).toFixed(1);
  print(
    opts,
    `journal ${result.journal} copied to ${result.file}: ${result.alerts} alert(s), ${result.pages} pages, ${mib} MiB, integrity ok, readable by its owner only`,
    { ok: true, ...result },
  );
}

/** A line each 10% of a journal that takes more than one step; nothing for a small one. */
function progressPrinter(): (p: BackupProgress) => void {
  let shown = -1;
  return ({ totalPages, remainingPages, restarted }) => {
    if (totalPages <= FIRST_STEP_PAGES) return;
    if (restarted) {
      process.stderr.write('backup: the daemon wrote to the journal meanwhile; copying again in larger steps\n');
      shown = -1;
    }
    const percent = Math.floor(((totalPages - remainingPages) / totalPages) * 10) * 10;
    if (percent > shown) {
      shown = percent;
      process.stderr.write(`backup: ${percent}% (${totalPages - remainingPages} of ${totalPages} pages)\n`);
    }
  };
}
