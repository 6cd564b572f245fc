import type { Pool } from 'pg';
import { STEP_NAMES, type Alert, type AlertStatus, type StepName } from '../../pipeline/alert';
import { stepsByAlert, type AlertListItem, type AlertQuery, type AlertStepView, type StepRow } from '../alert-list';
import type { AdminJournalPort, AlertDetail } from '../admin-journal';
import type { JournalStats } from '../journal-stats';
import { buildReport, type IncidentReport, type IncidentRow, type ReportAlertRow } from '../incident-report';
import { skipReason, type ReplayOutcome, type ReplaySelection } from '../replay';
import { inTransaction, STEPS_CHANNEL } from './pg-pool';
import { setSilence } from '../silences';
import { PgDb } from '../sql/pg-db';

/**
 * The admin API's reads and operator changes on the shared journal: the same answers as
 * AdminJournal gives on SQLite (src/journal/admin-journal.ts), in PostgreSQL's dialect. A replay
 * NOTIFYs the daemons: each conference's holder starts what was requeued there.
 */
export class PgAdmin implements AdminJournalPort {
  constructor(
    private readonly pool: Pool,
    private readonly flush: () => Promise<unknown>,
    /** After a silence is written: this daemon's silences read again (the others read them each second). */
    private readonly silencesChanged: (now: number) => Promise<unknown> = async () => undefined,
  ) {}

  async alerts(q: AlertQuery): Promise<AlertListItem[]> {
    await this.flush();
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (clause: (n: string) => string, value: unknown) => {
      args.push(value);
      where.push(clause(`$${args.length}`));
    };
    if (q.storeId !== undefined) add((n) => `a.store_id = ${n}`, q.storeId);
    if (q.cameraId !== undefined) add((n) => `(a.alert_json::json ->> 'cameraId') = ${n}`, q.cameraId);
    if (q.since !== undefined) add((n) => `a.received_at >= ${n}`, q.since);
    if (q.until !== undefined) add((n) => `a.received_at <= ${n}`, q.until);
    if (q.state !== undefined)
      add((n) => `EXISTS (SELECT 1 FROM steps s WHERE s.alert_id = a.id AND s.state = ${n})`, q.state);
    args.push(q.limit);
    const rows = (
      await this.pool.query<{
        id: string;
        received_at: number;
        store_id: string;
        status: string;
        incident_id: string | null;
        camera_id: string | null;
        alert_type: string | null;
      }>(
        `SELECT a.id, a.received_at, a.store_id, a.status, a.incident_id,
              (a.alert_json::json ->> 'cameraId') AS camera_id, (a.alert_json::json ->> 'alertType') AS alert_type
       FROM alerts a ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY a.received_at DESC, a.id DESC LIMIT $${args.length}`,
        args,
      )
    ).rows;
    const steps = await this.stepsOf(rows.map((r) => r.id));
    return rows.map((r) => ({
      id: r.id,
      storeId: r.store_id,
      cameraId: r.camera_id ?? '',
      alertType: r.alert_type ?? '',
      receivedAt: r.received_at,
      status: r.status as AlertStatus,
      incidentId: r.incident_id,
      steps: steps.get(r.id) ?? [],
    }));
  }

  async alert(id: string): Promise<AlertDetail | undefined> {
    await this.flush();
    const row = (
      await this.pool.query<{ alert_json: string; status: string; received_at: number; incident_id: string | null }>({
        name: 'admin-alert',
        text: 'SELECT alert_json, status, received_at, incident_id FROM alerts WHERE id = $1',
        values: [id],
      })
    ).rows[0];
    if (!row) return undefined;
    return {
      alert: JSON.parse(row.alert_json) as Alert,
      status: row.status as AlertStatus,
      receivedAt: row.received_at,
      incidentId: row.incident_id,
      steps: (await this.stepsOf([id])).get(id) ?? [],
    };
  }

  /** As `veesion-bridge replay`: each alert in one transaction, the state test in the UPDATE. */
  async requeue(sel: ReplaySelection): Promise<ReplayOutcome[]> {
    await this.flush();
    const steps = sel.steps && sel.steps.length > 0 ? sel.steps : STEP_NAMES;
    const ids = sel.alertIds ?? (await this.failedAlertIds(sel.failedSince ?? 0, steps));
    const requeueable = sel.force ? ['dead', 'expired', 'succeeded', 'muted'] : ['dead', 'expired'];
    const out: ReplayOutcome[] = [];
    for (const id of ids) {
      out.push(
        await inTransaction(this.pool, async (client): Promise<ReplayOutcome> => {
          const alert = (
            await client.query<{ store_id: string; status: string }>(
              'SELECT store_id, status FROM alerts WHERE id = $1 FOR UPDATE',
              [id],
            )
          ).rows[0];
          if (!alert)
            return { alertId: id, requeued: [], skipped: [{ step: '*', reason: 'no such alert in the journal' }] };
          const result: ReplayOutcome = { alertId: id, storeId: alert.store_id, requeued: [], skipped: [] };
          if (!sel.routable(alert.store_id)) {
            result.skipped.push({
              step: '*',
              reason: `store ${alert.store_id} is not in x-hoppers.json (add it, reload, then replay)`,
            });
            return result;
          }
          if (alert.status === 'unroutable')
            await client.query(`UPDATE alerts SET status = 'routed' WHERE id = $1`, [id]);
          for (const step of steps) {
            const state = (
              await client.query<{ state: string }>('SELECT state FROM steps WHERE alert_id = $1 AND step = $2', [
                id,
                step,
              ])
            ).rows[0]?.state;
            if (state === undefined) {
              await client.query(
                `INSERT INTO steps (alert_id, step, state, attempts, next_at, window_from, replays, updated_at) VALUES ($1, $2, 'pending', 0, $3, $3, 1, $3) ON CONFLICT DO NOTHING`,
                [id, step, sel.now],
              );
              result.requeued.push(step);
            } else if (
              (
                await client.query(
                  `UPDATE steps SET state = 'pending', attempts = 0, next_at = $3, window_from = $3, replays = replays + 1, updated_at = $3
             WHERE alert_id = $1 AND step = $2 AND state = ANY($4)`,
                  [id, step, sel.now, requeueable],
                )
              ).rowCount === 1
            ) {
              result.requeued.push(step);
            } else {
              result.skipped.push({ step, reason: skipReason(state) });
            }
          }
          if (result.requeued.length > 0) await client.query(`NOTIFY ${STEPS_CHANNEL}`);
          return result;
        }),
      );
    }
    return out;
  }

  async silence(storeId: string, until: number, now: number): Promise<void> {
    await setSilence(new PgDb(this.pool), storeId, until, now);
    await this.silencesChanged(now).catch(() => undefined); // read again within a second anyway
  }

  async stats(since: number): Promise<JournalStats> {
    await this.flush();
    const alertsPerHour = (
      await this.pool.query<{ hour: number; storeId: string; count: number }>(
        `SELECT received_at - received_at % 3600000 AS hour, store_id AS "storeId", COUNT(*)::bigint AS count
       FROM alerts WHERE received_at >= $1 GROUP BY 1, 2 ORDER BY 1, 2`,
        [since],
      )
    ).rows;
    const claims = (
      await this.pool.query<{ s: string }>(
        `SELECT (claimed_at - opened_at) / 1000.0 AS s FROM incidents WHERE opened_at >= $1 AND claimed_at IS NOT NULL ORDER BY opened_at, id`,
        [since],
      )
    ).rows;
    const cameras = (
      await this.pool.query<{ storeId: string; cameraId: string; resolved: number; falseAlarms: number }>(
        `SELECT store_id AS "storeId", camera_id AS "cameraId", COUNT(*)::bigint AS resolved, COUNT(*) FILTER (WHERE outcome = 'false-alarm')::bigint AS "falseAlarms"
       FROM incidents WHERE opened_at >= $1 AND state = 'resolved' AND outcome IN ('theft', 'false-alarm', 'not-found')
       GROUP BY 1, 2 ORDER BY 1, 2`,
        [since],
      )
    ).rows;
    return {
      alertsPerHour,
      timeToClaimS: claims.map((c) => Number(c.s)),
      falseAlarmByCamera: cameras.map((c) => ({ ...c, rate: Math.round((c.falseAlarms / c.resolved) * 1000) / 1000 })),
    };
  }

  private async failedAlertIds(since: number, steps: readonly StepName[]): Promise<string[]> {
    const r = await this.pool.query<{ id: string }>(
      `SELECT a.id FROM alerts a WHERE a.received_at >= $1 AND (a.status = 'unroutable' OR EXISTS (
         SELECT 1 FROM steps s WHERE s.alert_id = a.id AND s.step = ANY($2) AND s.state IN ('dead', 'expired')))
       ORDER BY a.received_at, a.id`,
      [since, [...steps]],
    );
    return r.rows.map((row) => row.id);
  }

  private async stepsOf(alertIds: readonly string[]): Promise<Map<string, AlertStepView[]>> {
    if (alertIds.length === 0) return new Map();
    return stepsByAlert(
      (
        await this.pool.query<StepRow>(
          'SELECT alert_id, step, state, attempts, next_at, last_error, detail, updated_at FROM steps WHERE alert_id = ANY($1) ORDER BY alert_id, step',
          [[...alertIds]],
        )
      ).rows,
    );
  }
}

/** `veesion-bridge report` on the shared journal: the same figures as on SQLite (buildReport). */
export async function pgReport(pool: Pool, opts: { since: number; storeId?: string }): Promise<IncidentReport> {
  const store = opts.storeId ?? null;
  const alerts = (
    await pool.query<ReportAlertRow>(
      `SELECT store_id, COALESCE(alert_json::json ->> 'cameraId', '') AS camera_id, COUNT(*)::bigint AS n FROM alerts
     WHERE received_at >= $1 AND ($2::text IS NULL OR store_id = $2) GROUP BY 1, 2`,
      [opts.since, store],
    )
  ).rows;
  const incidents = (
    await pool.query<IncidentRow>(
      `SELECT store_id, camera_id, opened_at, claimed_at, escalated_at, state, outcome FROM incidents
     WHERE opened_at >= $1 AND ($2::text IS NULL OR store_id = $2)`,
      [opts.since, store],
    )
  ).rows;
  return buildReport(opts.since, alerts, incidents);
}

/** Stores the shared journal has seen, in alerts or incidents. */
export async function pgJournalStores(pool: Pool): Promise<string[]> {
  return (
    await pool.query<{ store_id: string }>(
      'SELECT store_id FROM alerts UNION SELECT store_id FROM incidents ORDER BY 1',
    )
  ).rows.map((r) => r.store_id);
}

/** What pre-rendering prepares ahead on the shared journal: cameras and claimers seen since `since` (as on SQLite). */
export function pgSeen(pool: Pool): {
  camerasSeen(since: number): Promise<{ storeId: string; cameraId: string }[]>;
  claimersSeen(since: number): Promise<{ storeId: string; cameraId: string; by: string }[]>;
} {
  return {
    camerasSeen: async (since) =>
      (
        await pool.query<{ storeId: string; cameraId: string }>(
          `SELECT DISTINCT store_id AS "storeId", alert_json::json ->> 'cameraId' AS "cameraId" FROM alerts
       WHERE received_at >= $1 AND alert_json::json ->> 'cameraId' IS NOT NULL LIMIT 5000`,
          [since],
        )
      ).rows,
    claimersSeen: async (since) =>
      (
        await pool.query<{ storeId: string; cameraId: string; by: string }>(
          `SELECT DISTINCT i.store_id AS "storeId", i.camera_id AS "cameraId", c.by AS by FROM claims c JOIN incidents i ON i.id = c.incident_id
       WHERE c.won = 1 AND c.at >= $1 LIMIT 5000`,
          [since],
        )
      ).rows,
  };
}
