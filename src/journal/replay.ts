import type Database from 'better-sqlite3';
import { STEP_NAMES, type StepName } from '../pipeline/alert';

export interface ReplaySelection {
  /** Alerts named by id; or else every failed alert received at or after `failedSince`. */
  alertIds?: readonly string[];
  failedSince?: number;
  /** Only these steps (default: both). */
  steps?: readonly StepName[];
  /** Repeat steps that already succeeded (an announcement plays again). */
  force?: boolean;
  /** Whether a store is configured now: an alert can only be routed to a known store. */
  routable: (storeId: string) => boolean;
  now: number;
}

export interface ReplayOutcome {
  alertId: string;
  storeId?: string;
  requeued: StepName[];
  skipped: { step: StepName | '*'; reason: string }[];
}

/**
 * Puts an alert's steps that did not succeed back to `pending`, with a fresh retry window from
 * `now`, for the daemon to pick up. Steps still pending or running are left alone, and a step
 * that succeeded is repeated only with `force`: a replay never announces an alert twice by
 * accident. Each alert is one transaction, and the state test is in the UPDATE itself, so two
 * replays racing cannot both requeue the same step.
 */
export function requeueAlerts(db: Database.Database, sel: ReplaySelection): ReplayOutcome[] {
  const steps = sel.steps && sel.steps.length > 0 ? sel.steps : STEP_NAMES;
  const ids = sel.alertIds ?? failedAlertIds(db, sel.failedSince ?? 0, steps);
  const alertRow = db.prepare('SELECT store_id, status FROM alerts WHERE id = ?');
  const stepRow = db.prepare('SELECT state FROM steps WHERE alert_id = ? AND step = ?');
  const requeue = db.prepare(
    `UPDATE steps SET state = 'pending', attempts = 0, next_at = @now, window_from = @now,
       replays = replays + 1, updated_at = @now
     WHERE alert_id = @id AND step = @step AND state IN (${sel.force ? "'dead', 'expired', 'succeeded', 'muted'" : "'dead', 'expired'"})`,
  );
  const route = db.prepare(`UPDATE alerts SET status = 'routed' WHERE id = ? AND status = 'unroutable'`);
  const addStep = db.prepare(
    `INSERT INTO steps (alert_id, step, state, attempts, next_at, window_from, replays, updated_at)
     VALUES (@id, @step, 'pending', 0, @now, @now, 1, @now) ON CONFLICT DO NOTHING`,
  );

  return ids.map((id) =>
    db.transaction((): ReplayOutcome => {
      const alert = alertRow.get(id) as { store_id: string; status: string } | undefined;
      if (!alert)
        return { alertId: id, requeued: [], skipped: [{ step: '*', reason: 'no such alert in the journal' }] };
      const out: ReplayOutcome = { alertId: id, storeId: alert.store_id, requeued: [], skipped: [] };
      if (!sel.routable(alert.store_id)) {
        out.skipped.push({
          step: '*',
          reason: `store ${alert.store_id} is not in x-hoppers.json (add it, reload, then replay)`,
        });
        return out;
      }
      if (alert.status === 'unroutable') route.run(id);
      for (const step of steps) {
        const state = (stepRow.get(id, step) as { state: string } | undefined)?.state;
        if (state === undefined) {
          addStep.run({ id, step, now: sel.now });
          out.requeued.push(step);
        } else if (requeue.run({ id, step, now: sel.now }).changes === 1) {
          out.requeued.push(step);
        } else {
          out.skipped.push({ step, reason: skipReason(state) });
        }
      }
      return out;
    })(),
  );
}

export function skipReason(state: string): string {
  if (state === 'succeeded') return 'already succeeded (--force repeats it)';
  if (state === 'muted') return 'muted on purpose: quiet hours or silence (--force plays it)';
  return `still ${state}: the daemon is working on it`;
}

/** Alerts since `since` with a given-up step, or unroutable (their store may be known now). */
function failedAlertIds(db: Database.Database, since: number, steps: readonly StepName[]): string[] {
  const marks = steps.map(() => '?').join(', ');
  const rows = db
    .prepare(
      `SELECT a.id FROM alerts a WHERE a.received_at >= ? AND (a.status = 'unroutable' OR EXISTS (
         SELECT 1 FROM steps s WHERE s.alert_id = a.id AND s.step IN (${marks}) AND s.state IN ('dead', 'expired')))
       ORDER BY a.received_at, a.id`,
    )
    .all(since, ...steps) as { id: string }[];
  return rows.map((r) => r.id);
}
