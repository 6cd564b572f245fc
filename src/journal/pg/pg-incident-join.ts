import { randomUUID } from 'node:crypto';
import type { PoolClient, QueryConfig } from 'pg';
import type { NewAlertRecord } from '../../pipeline/ports';

/** A camera's alerts of one commit that go to one incident, in the order they came. */
interface Run {
  alerts: NewAlertRecord[];
  /** The camera's first run may join the camera's live incident; a later one opens its own. */
  mayJoin: boolean;
}

/**
 * Which incident each alert of a commit goes to, as statements over parameters $1 to $15 (see
 * incidentParams): the same outcome as taking the alerts one by one (join the camera's live
 * incident whose last alert is within the window, else open one). An alert within the window of
 * the camera's alert before it in the commit goes where that one went, so only a camera's first
 * alert of the commit reads the live incidents. It reads them locked: an incident claimed,
 * resolved or ended by another transaction meanwhile is read again once that commits, and one no
 * longer live is not joined (the alert opens its own incident, so it is repeated and escalated
 * like any other). The cameras' advisory locks must be held before the statement starts: its
 * snapshot is taken then, and an incident another daemon opened after it would not be seen.
 *
 * `target` names, for each run `k`, the incident its alerts go to; `pointed` each alert's run.
 * `runFilter` is a condition on the runs (all of them go, or none).
 */
export const incidentCtes = (runFilter = 'true'): string =>
  `run AS (
     SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::text[], $8::bigint[],
                          $9::bigint[], $10::text[], $11::text[], $12::bigint[], $13::boolean[])
       AS r(k, store_id, camera_id, since, first_alert_id, first_at, last_alert_id, last_at, alerts, new_id, room, next_repeat_at, may_join)
     WHERE ${runFilter}),
   live AS (
     SELECT run.k, (SELECT i.id FROM incidents i
                    WHERE i.store_id = run.store_id AND i.camera_id = run.camera_id AND i.state IN ('open', 'claimed') AND i.last_alert_at >= run.since
                    ORDER BY i.last_alert_at DESC LIMIT 1 FOR UPDATE) AS id
     FROM run WHERE run.may_join),
   target AS (
     SELECT run.*, live.id AS live_id, COALESCE(live.id, run.new_id) AS incident_id FROM run LEFT JOIN live ON live.k = run.k),
   joined AS (
     UPDATE incidents i SET alerts = i.alerts + t.alerts, last_alert_id = t.last_alert_id, last_alert_at = t.last_at, updated_at = t.last_at
     FROM target t WHERE i.id = t.live_id),
   opened AS (
     INSERT INTO incidents (id, store_id, camera_id, room, state, opened_at, first_alert_id, last_alert_id, last_alert_at, next_repeat_at, updated_at, alerts)
     SELECT new_id, store_id, camera_id, room, 'open', first_at, first_alert_id, last_alert_id, last_at, next_repeat_at, last_at, alerts
     FROM target WHERE live_id IS NULL),
   pointed AS (
     SELECT * FROM unnest($14::text[], $15::int[]) AS p(alert_id, k))`;

/** The values of incidentCtes' $1 to $15 for `fresh` (alerts with an incident), and how many alerts they point. */
export function incidentParams(fresh: readonly NewAlertRecord[]): { values: unknown[]; alerts: number } {
  const byCamera = new Map<string, NewAlertRecord[]>();
  for (const b of fresh) {
    const camera = cameraOf(b);
    const list = byCamera.get(camera);
    if (list) list.push(b);
    else byCamera.set(camera, [b]);
  }
  const runs: Run[] = [];
  for (const alerts of byCamera.values()) {
    let run: Run | undefined;
    for (const a of alerts) {
      const before = run?.alerts.at(-1);
      const windowMs = (a.incident as NonNullable<NewAlertRecord['incident']>).windowMs;
      if (run && before && before.receivedAt >= a.receivedAt - windowMs) run.alerts.push(a);
      else {
        run = { alerts: [a], mayJoin: run === undefined };
        runs.push(run);
      }
    }
  }
  const first = (run: Run) => run.alerts[0] as NewAlertRecord;
  const last = (run: Run) => run.alerts.at(-1) as NewAlertRecord;
  const incident = (run: Run) => first(run).incident as NonNullable<NewAlertRecord['incident']>;
  const pointed = runs.flatMap((run, k) => run.alerts.map((a) => [a.alert.id, k] as const));
  return {
    values: [
      runs.map((_, k) => k),
      runs.map((run) => first(run).alert.storeId),
      runs.map((run) => first(run).alert.cameraId),
      runs.map((run) => first(run).receivedAt - incident(run).windowMs),
      runs.map((run) => first(run).alert.id),
      runs.map((run) => first(run).receivedAt),
      runs.map((run) => last(run).alert.id),
      runs.map((run) => last(run).receivedAt),
      runs.map((run) => run.alerts.length),
      runs.map(() => `inc_${randomUUID()}`),
      runs.map((run) => incident(run).room),
      runs.map((run) => incident(run).firstRepeatAt ?? null),
      runs.map((run) => run.mayJoin),
      pointed.map((p) => p[0]),
      pointed.map((p) => p[1]),
    ],
    alerts: pointed.length,
  };
}

/**
 * Joins alerts already inserted to their incidents (the commit that reads before it writes; the
 * commit on guesses sets an alert's incident as it inserts it). `fresh` are meant to be alerts
 * this transaction inserted; if one of them is not (a known alert, sent before its insert's
 * answer was seen), nothing is joined and the answer is false.
 */
export async function joinIncidents(client: PoolClient, fresh: readonly NewAlertRecord[]): Promise<boolean> {
  if (fresh.length === 0) return true;
  const { values, alerts } = incidentParams(fresh);
  const query: QueryConfig = {
    name: 'join-or-open-incidents',
    text: `WITH inserted_here AS (
             SELECT count(*) = cardinality($14::text[]) AS all_new FROM alerts
             WHERE id = ANY($14::text[]) AND xmin = pg_current_xact_id()::xid),
           ${incidentCtes('(SELECT all_new FROM inserted_here)')}
           UPDATE alerts a SET incident_id = t.incident_id
           FROM pointed p JOIN target t ON t.k = p.k
           WHERE a.id = p.alert_id`,
    values,
  };
  return (await client.query(query)).rowCount === alerts;
}

/** The key of a camera's advisory lock. */
export function cameraOf(r: NewAlertRecord): string {
  return JSON.stringify([r.alert.storeId, r.alert.cameraId]);
}
