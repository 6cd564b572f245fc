import { journalStores, reportIncidents, type IncidentReport, type ReportFigures } from '../journal/incident-report';
import { configFor, print, withJournal, type GlobalOptions } from './context';
import { CliExit, EXIT } from './exit-codes';
import { parseSince } from './time-arg';
import { localTime } from './local-time';

const USAGE = 'usage: veesion-bridge report [--since 7d|<ISO date>] [--store <id>] [--wide] [--json]';

/**
 * `report [--since 7d] [--store <id>] [--wide] [--json]`: per store and camera, the
 * alerts, incidents, how many were claimed and how fast, escalations and outcomes. Reads the
 * journal only, beside the running daemon: this host's, or the shared one (BRIDGE_JOURNAL_URL).
 */
export async function report(opts: GlobalOptions & { since?: string; store?: string; wide?: boolean }): Promise<void> {
  const usage = (m: string) => new CliExit(EXIT.usage, `report: ${m}\n${USAGE}`);
  const now = Date.now();
  const sinceText = opts.since ?? '7d';
  let since: number;
  try {
    since = parseSince(sinceText, now);
  } catch (err) {
    throw usage(`--since ${(err as Error).message}`);
  }
  if (since > now) throw usage(`--since ${localTime(since)} is in the future`);
  const config = configFor(opts);
  const checkStore = (inJournal: string[]) => {
    if (opts.store === undefined) return;
    // A store known to the config or to the journal (one removed from the config still has its history).
    const known = new Set([...config.stores.map((s) => s.store_veesion_id), ...inJournal]);
    if (!known.has(opts.store))
      throw usage(
        `no store "${opts.store}" in x-hoppers.json or the journal (stores: ${[...known].sort().join(', ') || 'none'})`,
      );
  };
  const query = { since, ...(opts.store !== undefined ? { storeId: opts.store } : {}) };
  const result = await withJournal(config, 'report', 'read', async (db) => {
    checkStore(opts.store !== undefined ? await journalStores(db) : []);
    return reportIncidents(db, query);
  });
  const names = new Map(config.stores.filter((s) => s.name).map((s) => [s.store_veesion_id, s.name as string]));
  print(opts, renderReport(result, sinceText, { names, wide: opts.wide === true }), result);
}

/** A column: its header, its cell for a row, and whether it aligns left (text) or right (figures). */
interface Column {
  header: string;
  cell: (row: Row) => string;
  left?: boolean;
}

interface Row {
  storeId: string;
  name: string;
  cameraId: string;
  f: ReportFigures;
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x * 1000) / 10}%`);
const CAMERA: Column = { header: 'camera', cell: (r) => r.cameraId, left: true };
const FIGURES: Record<string, Column> = {
  alerts: { header: 'alerts', cell: (r) => String(r.f.alerts) },
  incidents: { header: 'incidents', cell: (r) => String(r.f.incidents) },
  claimed: { header: 'claimed', cell: (r) => (r.f.claimedPct === null ? 'n/a' : `${r.f.claimedPct}%`) },
  escalated: { header: 'escalated', cell: (r) => String(r.f.escalations) },
  falseAlarmRate: { header: 'false-alarm rate', cell: (r) => pct(r.f.falseAlarmRate) },
};

/** Fits 100 columns: the store by name, the time to claim in one column, the outcomes left to --wide. */
const NARROW: Column[] = [
  { header: 'store', cell: (r) => r.name, left: true },
  CAMERA,
  FIGURES.alerts as Column,
  FIGURES.incidents as Column,
  FIGURES.claimed as Column,
  { header: 'claim p50/p90', cell: (r) => `${seconds(r.f.timeToClaimS.p50)}/${seconds(r.f.timeToClaimS.p90)}` },
  FIGURES.escalated as Column,
  FIGURES.falseAlarmRate as Column,
];

/** Every figure: the store's id and name, each outcome. */
const WIDE: Column[] = [
  { header: 'store', cell: (r) => r.storeId, left: true },
  { header: 'name', cell: (r) => (r.name === r.storeId ? '' : r.name), left: true },
  CAMERA,
  FIGURES.alerts as Column,
  FIGURES.incidents as Column,
  FIGURES.claimed as Column,
  { header: 'claim p50', cell: (r) => seconds(r.f.timeToClaimS.p50) },
  { header: 'claim p90', cell: (r) => seconds(r.f.timeToClaimS.p90) },
  FIGURES.escalated as Column,
  { header: 'confirmed', cell: (r) => String(r.f.outcomes.theft) },
  { header: 'false alarm', cell: (r) => String(r.f.outcomes['false-alarm']) },
  { header: 'not found', cell: (r) => String(r.f.outcomes['not-found']) },
  { header: 'no outcome', cell: (r) => String(r.f.outcomes['no-outcome']) },
  { header: 'none yet', cell: (r) => String(r.f.outcomes['none-yet']) },
  FIGURES.falseAlarmRate as Column,
];

/** What the narrow table fits in, a terminal's usual width. */
export const REPORT_WIDTH = 100;
const GAP = '  ';

/**
 * The report as an aligned text table with a total row. By default it fits REPORT_WIDTH
 * columns, stores named by their name in x-hoppers.json (their id when they have none, or are
 * no longer configured), a long name cut to what is left; `wide` shows every figure.
 */
export function renderReport(
  r: IncidentReport,
  sinceText: string,
  opts: { names?: ReadonlyMap<string, string>; wide?: boolean } = {},
): string {
  const since = Date.parse(r.since);
  const title = `incidents since ${localTime(since)}${sinceText === r.since ? '' : ` (${sinceText})`}`;
  if (r.stores.length === 0) return `${title}\nno alerts or incidents in that period`;
  const columns = opts.wide ? WIDE : NARROW;
  const rows: Row[] = [
    ...r.stores.map((s) => ({
      storeId: s.storeId,
      name: opts.names?.get(s.storeId) ?? s.storeId,
      cameraId: s.cameraId,
      f: s,
    })),
    { storeId: 'total', name: 'total', cameraId: '', f: r.total },
  ];
  const table = [columns.map((c) => c.header), ...rows.map((row) => columns.map((c) => c.cell(row)))];
  const widths = columns.map((_, c) => Math.max(...table.map((cells) => (cells[c] as string).length)));
  if (!opts.wide) {
    // The first column, the store's name, gets what the others leave (its header at least).
    const others = widths.slice(1).reduce((sum, w) => sum + w + GAP.length, 0);
    const room = Math.max(columns[0]!.header.length, REPORT_WIDTH - others); // `!`: NARROW has columns
    if ((widths[0] as number) > room) {
      widths[0] = room;
      for (const cells of table) cells[0] = cut(cells[0] as string, room);
    }
  }
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (columns[c]?.left ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number)))
      .join(GAP)
      .trimEnd();
  const footer = opts.wide
    ? []
    : ['outcomes (confirmed, false alarm, not found, no outcome, none yet) and store ids: --wide'];
  return [title, ...table.map(line), ...footer].join('\n');
}

/** Cut to `width` characters, the last one an ellipsis. */
function cut(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, width - 1).join('')}…`;
}

/** 12.5s, 2m05s; n/a when nothing was claimed. */
function seconds(s: number | null): string {
  if (s === null) return 'n/a';
  if (s < 60) return `${s}s`;
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}
