import { journalFile } from '../journal/journal-file';
import { DataDirLock, DataDirLockedError } from '../journal/data-dir-lock';
import { COPIED_TABLES, copyJournalToPg, CopyError, type CopyProgress } from '../journal/pg/copy-to-pg';
import { isPostgresUrl, redactUrl } from '../journal/pg/pg-pool';
import { configFor, print, type GlobalOptions } from './context';
import { CliExit, EXIT } from './exit-codes';

/**
 * `veesion-bridge journal migrate --to postgres://...`: the SQLite journal of BRIDGE_DATA_DIR
 * copied into an empty PostgreSQL journal, checked by counts, in one transaction. The daemon
 * must be stopped (its data directory's lock is taken for the copy): an alert acknowledged
 * meanwhile would be in neither. Then set BRIDGE_JOURNAL_URL and start the daemons.
 */
export async function journalMigrate(given: string | undefined, opts: GlobalOptions): Promise<void> {
  const config = configFor(opts);
  // From the config (BRIDGE_JOURNAL_URL, the file or the environment) when --to is not given:
  // a password on the command line would show in `ps` and the shell's history.
  const to = given ?? config.settings.BRIDGE_JOURNAL_URL;
  if (!to) throw new CliExit(EXIT.usage, 'journal migrate: give --to postgres://... or set BRIDGE_JOURNAL_URL');
  // Only the scheme is quoted: a mistyped one may still be followed by a password.
  if (!isPostgresUrl(to))
    throw new CliExit(
      EXIT.usage,
      `--to must be a postgres:// (or postgresql://) URL, not ${JSON.stringify(/^[a-z][a-z0-9+.-]*:/i.exec(to)?.[0] ?? 'a URL without a scheme')}`,
    );
  const dataDir = config.settings.BRIDGE_DATA_DIR;
  let lock: DataDirLock;
  try {
    lock = DataDirLock.acquire(dataDir);
  } catch (err) {
    if (err instanceof DataDirLockedError) throw new CliExit(EXIT.failure, `journal migrate: ${err.message}`);
    throw err;
  }
  const where = redactUrl(to);
  try {
    process.stderr.write(`journal migrate: copying ${journalFile(dataDir)} into ${where}\n`);
    const { counts } = await copyJournalToPg(journalFile(dataDir), to, progressPrinter());
    const summary =
      COPIED_TABLES.filter((t) => (counts[t] ?? 0) > 0)
        .map((t) => `${t} ${counts[t]}`)
        .join(', ') || 'an empty journal';
    print(
      opts,
      `journal migrated to ${where}: ${summary}; counts checked. Set BRIDGE_JOURNAL_URL and start the daemons.`,
      { ok: true, to: where, counts },
    );
  } catch (err) {
    // A pg error can quote the statement (with rows): the message alone, never the URL's password.
    const message = err instanceof Error ? err.message : String(err);
    const known = err instanceof CopyError || (err as { code?: string }).code !== undefined;
    throw new CliExit(
      EXIT.failure,
      `journal migrate failed, nothing was committed to ${where}: ${known ? message : message.slice(0, 300)}`,
    );
  } finally {
    lock.release();
  }
}

/** A line per table, then each 10% of a large one. */
function progressPrinter(): (p: CopyProgress) => void {
  let shown = -1;
  return ({ table, copied, total }) => {
    if (copied === 0) {
      shown = 0;
      process.stderr.write(`journal migrate: ${table}: ${total} row(s)\n`);
      return;
    }
    const percent = Math.floor((copied / total) * 10) * 10;
    if (total > 10_000 && percent > shown) {
      shown = percent;
      process.stderr.write(`journal migrate: ${table}: ${percent}% (${copied} of ${total})\n`);
    }
  };
}
