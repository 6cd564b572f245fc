import type { Settings } from '../../config/settings-schema';
import { PgJournal } from './pg-journal';
import { redactUrl } from './pg-pool';

/**
 * BRIDGE_JOURNAL_URL's journal for `run`: connected and migrated before the daemon is built (a
 * server that cannot be reached fails the start with its address, never its password). Unset:
 * undefined, the daemon uses its SQLite journal.
 */
export async function openSharedJournal(
  settings: Pick<Settings, 'BRIDGE_JOURNAL_URL'>,
): Promise<PgJournal | undefined> {
  const url = settings.BRIDGE_JOURNAL_URL;
  if (!url) return undefined;
  try {
    return await PgJournal.open(url);
  } catch (err) {
    throw new Error(
      `cannot open the journal at ${redactUrl(url)} (BRIDGE_JOURNAL_URL): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
