import { marks, type Db, type Step, type Tx } from './sql/db';
import { STEPS_CHANNEL } from './pg/pg-pool';
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
 * accident. Each alert is one transaction (its row locked on PostgreSQL), and the state test is
 * in the UPDATE itself, so two replays racing cannot both requeue the same step. On PostgreSQL a
 * requeue NOTIFYs the daemons: each conference's holder starts what was requeued there.
 */
export async function requeueAlerts(db: Db, sel: ReplaySelection): Promise<ReplayOutcome[]> {
  const steps = sel.steps && sel.steps.length > 0 ? sel.steps : STEP_NAMES;
  const ids = sel.alertIds ?? (await failedAlertIds(db, sel.failedSince ?? 0, steps));
  const states = sel.force ? "'dead', 'expired', 'succeeded', 'muted'" : "'dead', 'expired'";
  const lock = db.dialect === 'pg' ? ' FOR UPDATE' : '';
  const out: ReplayOutcome[] = [];
  for (const id of ids) {
    out.push(
      await db.transaction(function* (tx: Tx): Step<ReplayOutcome> {
        const alert = yield* tx.get<{ store_id: string; status: string }>(
          `SELECT store_id, status FROM alerts WHERE id = ?${lock}`,
          [id],
        );
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
        if (alert.status === 'unroutable') yield* tx.run(`UPDATE alerts SET status = 'routed' WHERE id = ?`, [id]);
        for (const step of steps) {
          const state = (yield* tx.get<{ state: string }>('SELECT state FROM steps WHERE alert_id = ? AND step = ?', [
            id,
            step,
          ]))?.state;
          if (state === undefined) {
            yield* tx.run(
              `INSERT INTO steps (alert_id, step, state, attempts, next_at, window_from, replays, updated_at)
               VALUES (?, ?, 'pending', 0, ?, ?, 1, ?) ON CONFLICT DO NOTHING`,
              [id, step, sel.now, sel.now, sel.now],
            );
            result.requeued.push(step);
          } else if (
            (yield* tx.run(
              `UPDATE steps SET state = 'pending', attempts = 0, next_at = ?, window_from = ?, replays = replays + 1, updated_at = ?
               WHERE alert_id = ? AND step = ? AND state IN (${states})`,
              [sel.now, sel.now, sel.now, id, step],
            )) === 1
          ) {
            result.requeued.push(step);
          } else {
            result.skipped.push({ step, reason: skipReason(state) });
          }
        }
        if (result.requeued.length > 0 && tx.dialect === 'pg') yield* tx.run(`NOTIFY ${STEPS_CHANNEL}`);
        return result;
      }),
    );
  }
  return out;
}

export function skipReason(state: string): string {
  if (state === 'succeeded') return 'already succeeded (--force repeats it)';
  if (state === 'muted') return 'muted on purpose: quiet hours or silence (--force plays it)';
  return `still ${state}: the daemon is working on it`;
}

/** Alerts since `since` with a given-up step, or unroutable (their store may be known now). */
async function failedAlertIds(db: Db, since: number, steps: readonly StepName[]): Promise<string[]> {
  const rows = await db.all<{ id: string }>(
    `SELECT a.id FROM alerts a WHERE a.received_at >= ? AND (a.status = 'unroutable' OR EXISTS (
       SELECT 1 FROM steps s WHERE s.alert_id = a.id AND s.step IN (${marks(steps.length)}) AND s.state IN ('dead', 'expired')))
     ORDER BY a.received_at, a.id`,
    [since, ...steps],
  );
  return rows.map((r) => r.id);
}
