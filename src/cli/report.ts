import { journalFile } from '../journal/journal-file';
import { journalStores, reportIncidents, type IncidentReport, type ReportFigures } from '../journal/incident-report';
import { configFor, onSharedJournal, openOrExit, print, type GlobalOptions } from './context';
import { pgJournalStores, pgReport } from '../journal/pg/pg-admin';
import { CliExit, EXIT } from './exit-codes';
import { parseSince } from './time-arg';

const USAGE = 'usage: veesion-bridge report [--since 7d|<ISO date>] [--store <id>] [--json]';

/**
 * `report [--since 7d] [--store <id>] [--json]` (DESIGN section 5): per store and camera, the
 * alerts, incidents, how many were claimed and how fast, escalations and outcomes. Reads the
 * journal only, beside the running daemon: this host's, or the shared one (BRIDGE_JOURNAL_URL).
 */
export async function report(opts: GlobalOptions & { since?: string; store?: string }): Promise<void> {
  const usage = (m: string) => new CliExit(EXIT.usage, `report: ${m}\n${USAGE}`);
  const now = Date.now();
  const sinceText = opts.since ?? '7d';
  let since: number;
  try {
    since = parseSince(sinceText, now);
  } catch (err) {
    throw usage(`--since ${(err as Error).message}`);
  }
  if (since > now) throw usage(`--since ${new Date(since).toISOString()} is in the future`);
  const config = configFor(opts);
  const checkStore = (inJournal: string[]) => {
    if (opts.store === undefined) return;
    // A store known to the config or to the journal (one removed from the config still has its history).
    const known = new Set([...config.stores.map((s) => s.store_veesion_id), ...inJournal]);
    if (!known.has(opts.store)) throw usage(`no store "${opts.store}" in x-hoppers.json or the journal (stores: ${[...known].sort().join(', ') || 'none'})`);
  };
  const query = { since, ...(opts.store !== undefined ? { storeId: opts.store } : {}) };
  let result: IncidentReport;
  const shared = config.settings.BRIDGE_JOURNAL_URL;
  if (shared) {
    result = await onSharedJournal(shared, 'report', async (pool) => {
      checkStore(await pgJournalStores(pool));
      return pgReport(pool, query);
    });
  } else {
    const db = openOrExit(journalFile(config.settings.BRIDGE_DATA_DIR), 'read');
    try {
      checkStore(opts.store !== undefined ? journalStores(db) : []);
      result = reportIncidents(db, query);
    } finally {
      db.close();
    }
  }
  print(opts, renderReport(result, sinceText), result);
}

const HEADERS = ['store', 'camera', 'alerts', 'incidents', 'claimed', 'claim p50', 'claim p90', 'escalated', 'confirmed', 'false alarm', 'not found', 'no outcome', 'none yet', 'false-alarm rate'];
/** Text columns align left, figures right. */
const LEFT = new Set([0, 1]);

/** The report as an aligned text table with a total row. */
export function renderReport(r: IncidentReport, sinceText: string): string {
  const title = `incidents since ${r.since}${sinceText === r.since ? '' : ` (${sinceText})`}`;
  if (r.stores.length === 0) return `${title}\nno alerts or incidents in that period`;
  const rows = [HEADERS, ...r.stores.map((s) => cells(s.storeId, s.cameraId, s)), cells('total', '', r.total)];
  const widths = HEADERS.map((_, c) => Math.max(...rows.map((row) => (row[c] as string).length)));
  const line = (row: string[]) => row.map((cell, c) => (LEFT.has(c) ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  ').trimEnd();
  return [title, ...rows.map(line)].join('\n');
}

function cells(store: string, camera: string, f: ReportFigures): string[] {
  return [
    store, camera, String(f.alerts), String(f.incidents),
    f.claimedPct === null ? 'n/a' : `${f.claimedPct}%`,
    seconds(f.timeToClaimS.p50), seconds(f.timeToClaimS.p90),
    String(f.escalations),
    String(f.outcomes.theft), String(f.outcomes['false-alarm']), String(f.outcomes['not-found']), String(f.outcomes['no-outcome']), String(f.outcomes['none-yet']),
    f.falseAlarmRate === null ? 'n/a' : `${Math.round(f.falseAlarmRate * 1000) / 10}%`,
  ];
}

/** 12.5s, 2m05s; n/a when nothing was claimed. */
function seconds(s: number | null): string {
  if (s === null) return 'n/a';
  if (s < 60) return `${s}s`;
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}
