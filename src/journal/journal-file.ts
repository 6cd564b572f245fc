import { join } from 'node:path';

/** Where the daemon keeps its journal, under BRIDGE_DATA_DIR: the daemon and every command agree. */
export function journalFile(dataDir: string): string {
  return join(dataDir, 'journal.sqlite');
}
