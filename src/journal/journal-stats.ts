import type { Db } from './sql/db';

export interface JournalStats {
  /** Alerts received per store and hour (epoch ms of the hour's start, UTC), oldest first. */
  alertsPerHour: { hour: number; storeId: string; count: number }[];
  /** Seconds from opening to the first claim, one per claimed incident, in opening order. */
  timeToClaimS: number[];
  /**
   * Per store and camera: incidents resolved with a finding (theft, false-alarm, not-found;
   * `no-outcome` says nothing either way) and how many of them were false alarms. The same
   * rate as `veesion-bridge report`.
   */
  falseAlarmByCamera: { storeId: string; cameraId: string; resolved: number; falseAlarms: number; rate: number }[];
}

/**
 * The admin API's figures since `since`, computed in SQL. As in `report`, alerts count by when
 * they were received and incidents by when they opened.
 */
export async function journalStats(db: Db, since: number): Promise<JournalStats> {
  const alertsPerHour = await db.all<JournalStats['alertsPerHour'][number]>(
    `SELECT received_at - received_at % 3600000 AS hour, store_id AS "storeId", COUNT(*) AS count
     FROM alerts WHERE received_at >= ? GROUP BY 1, 2 ORDER BY 1, 2`,
    [since],
  );
  const claims = await db.all<{ s: number | string }>(
    `SELECT (claimed_at - opened_at) / 1000.0 AS s FROM incidents
     WHERE opened_at >= ? AND claimed_at IS NOT NULL ORDER BY opened_at, id`,
    [since],
  );
  const cameras = await db.all<{ storeId: string; cameraId: string; resolved: number; falseAlarms: number | string }>(
    `SELECT store_id AS "storeId", camera_id AS "cameraId", COUNT(*) AS resolved,
            SUM(CASE WHEN outcome = 'false-alarm' THEN 1 ELSE 0 END) AS "falseAlarms"
     FROM incidents WHERE opened_at >= ? AND state = 'resolved' AND outcome IN ('theft', 'false-alarm', 'not-found')
     GROUP BY 1, 2 ORDER BY 1, 2`,
    [since],
  );
  return {
    alertsPerHour,
    // PostgreSQL's division and sum give numeric, which its driver hands over as text.
    timeToClaimS: claims.map((c) => Number(c.s)),
    falseAlarmByCamera: cameras.map((c) => {
      const falseAlarms = Number(c.falseAlarms);
      return { ...c, falseAlarms, rate: Math.round((falseAlarms / c.resolved) * 1000) / 1000 };
    }),
  };
}
