import type { Db } from './sql/db';
import { alertField } from './alert-list';
import { OUTCOMES, type Outcome } from '../pipeline/incident';

/** An incident's outcome, or `none-yet` while it is not resolved. */
export type OutcomeCounts = Record<Outcome | 'none-yet', number>;

export interface ReportFigures {
  /** Alerts received in the period (routed or not). */
  alerts: number;
  /** Incidents opened in the period. */
  incidents: number;
  /** Incidents someone claimed (resolved after a claim included), over all incidents, in percent; null without incidents. */
  claimedPct: number | null;
  /** claimed_at - opened_at of the claimed incidents, nearest-rank percentiles; null when none was claimed. */
  timeToClaimS: { p50: number | null; p90: number | null };
  /** Incidents whose escalation list was called (or found missing). */
  escalations: number;
  outcomes: OutcomeCounts;
  /** False alarms over the incidents resolved with a finding (theft, false-alarm, not-found), 0..1; null when none. */
  falseAlarmRate: number | null;
}

export interface ReportRow extends ReportFigures {
  storeId: string;
  cameraId: string;
}

export interface IncidentReport {
  /** ISO time the period starts at. */
  since: string;
  stores: ReportRow[];
  total: ReportFigures;
}

export interface IncidentRow {
  store_id: string;
  camera_id: string;
  opened_at: number;
  claimed_at: number | null;
  escalated_at: number | null;
  state: string;
  outcome: string | null;
}

/**
 * `veesion-bridge report`: per store and camera, what happened to the alerts and incidents
 * since a time. Alerts count by when they were received, incidents by when they opened (an
 * incident opened before `since` is left out even if it gained alerts later). Reads only.
 */
export async function reportIncidents(db: Db, opts: { since: number; storeId?: string }): Promise<IncidentReport> {
  const store = opts.storeId ?? null;
  const alerts = await db.all<ReportAlertRow>(
    `SELECT store_id, COALESCE(${alertField(db, 'alert_json', 'cameraId')}, '') AS camera_id, COUNT(*) AS n FROM alerts
     WHERE received_at >= ? AND (CAST(? AS TEXT) IS NULL OR store_id = ?) GROUP BY 1, 2`,
    [opts.since, store, store],
  );
  const incidents = await db.all<IncidentRow>(
    `SELECT store_id, camera_id, opened_at, claimed_at, escalated_at, state, outcome FROM incidents
     WHERE opened_at >= ? AND (CAST(? AS TEXT) IS NULL OR store_id = ?)`,
    [opts.since, store, store],
  );
  return buildReport(opts.since, alerts, incidents);
}

/** Alerts per store and camera, as the report reads them. */
export interface ReportAlertRow {
  store_id: string;
  camera_id: string | number;
  n: number;
}

/** The report from the rows either journal gives (the SQL differs, the figures do not). */
export function buildReport(
  since: number,
  alerts: readonly ReportAlertRow[],
  incidents: readonly IncidentRow[],
): IncidentReport {
  const groups = new Map<string, { storeId: string; cameraId: string; alerts: number; incidents: IncidentRow[] }>();
  const group = (storeId: string, cameraId: string) => {
    const key = JSON.stringify([storeId, cameraId]);
    let g = groups.get(key);
    if (!g) {
      g = { storeId, cameraId, alerts: 0, incidents: [] };
      groups.set(key, g);
    }
    return g;
  };
  for (const a of alerts) group(a.store_id, String(a.camera_id)).alerts += a.n;
  for (const i of incidents) group(i.store_id, i.camera_id).incidents.push(i);

  const rows = [...groups.values()]
    .sort((a, b) => naturalCompare(a.storeId, b.storeId) || naturalCompare(a.cameraId, b.cameraId))
    .map((g) => ({ storeId: g.storeId, cameraId: g.cameraId, ...figures(g.alerts, g.incidents) }));
  return {
    since: new Date(since).toISOString(),
    stores: rows,
    total: figures(
      rows.reduce((n, r) => n + r.alerts, 0),
      incidents,
    ),
  };
}

/** Stores the journal has ever seen, in alerts or incidents (a store since removed from the config counts). */
export async function journalStores(db: Db): Promise<string[]> {
  const rows = await db.all<{ store_id: string }>(
    'SELECT store_id FROM alerts UNION SELECT store_id FROM incidents ORDER BY 1',
  );
  return rows.map((r) => r.store_id);
}

function figures(alerts: number, incidents: readonly IncidentRow[]): ReportFigures {
  const outcomes = Object.fromEntries([...OUTCOMES, 'none-yet'].map((o) => [o, 0])) as OutcomeCounts;
  for (const i of incidents) {
    const o =
      i.state === 'resolved' && i.outcome !== null && (OUTCOMES as readonly string[]).includes(i.outcome)
        ? (i.outcome as Outcome)
        : 'none-yet';
    outcomes[o]++;
  }
  const claimTimes = incidents
    .filter((i) => i.claimed_at !== null)
    .map((i) => ((i.claimed_at as number) - i.opened_at) / 1000);
  const judged = outcomes.theft + outcomes['false-alarm'] + outcomes['not-found'];
  return {
    alerts,
    incidents: incidents.length,
    claimedPct: incidents.length === 0 ? null : round((100 * claimTimes.length) / incidents.length, 1),
    timeToClaimS: { p50: roundOrNull(percentile(claimTimes, 50), 1), p90: roundOrNull(percentile(claimTimes, 90), 1) },
    escalations: incidents.filter((i) => i.escalated_at !== null).length,
    outcomes,
    falseAlarmRate: judged === 0 ? null : round(outcomes['false-alarm'] / judged, 3),
  };
}

/**
 * Nearest-rank percentile: the smallest value with at least p% of the values at or below it
 * (always one of the values; the p50 of 1..4 is 2, the p90 of 1..10 is 9). Undefined when empty.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

function round(n: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(n * f) / f;
}

function roundOrNull(n: number | undefined, decimals: number): number | null {
  return n === undefined ? null : round(n, decimals);
}

/** Store and camera ids are often numbers in text: camera 10 comes after camera 9. */
function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
