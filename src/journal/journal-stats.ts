import type Database from 'better-sqlite3';

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
export function journalStats(db: Database.Database, since: number): JournalStats {
  const alertsPerHour = db
    .prepare(
      `SELECT received_at - received_at % 3600000 AS hour, store_id AS storeId, COUNT(*) AS count
     FROM alerts WHERE received_at >= ? GROUP BY 1, 2 ORDER BY 1, 2`,
    )
    .all(since) as JournalStats['alertsPerHour'];
  const claims = db
    .prepare(
      `SELECT (claimed_at - opened_at) / 1000.0 AS s FROM incidents
     WHERE opened_at >= ? AND claimed_at IS NOT NULL ORDER BY opened_at, id`,
    )
    .all(since) as { s: number }[];
  const cameras = db
    .prepare(
      `SELECT store_id AS storeId, camera_id AS cameraId, COUNT(*) AS resolved,
            SUM(outcome = 'false-alarm') AS falseAlarms
     FROM incidents WHERE opened_at >= ? AND state = 'resolved' AND outcome IN ('theft', 'false-alarm', 'not-found')
     GROUP BY 1, 2 ORDER BY 1, 2`,
    )
    .all(since) as Omit<JournalStats['falseAlarmByCamera'][number], 'rate'>[];
  return {
    alertsPerHour,
    timeToClaimS: claims.map((c) => c.s),
    falseAlarmByCamera: cameras.map((c) => ({ ...c, rate: Math.round((c.falseAlarms / c.resolved) * 1000) / 1000 })),
  };
}
