import type { SeenInJournal } from '../tts/prerender';
import { alertField } from './alert-list';
import type { Db } from './sql/db';

/** What pre-rendering prepares ahead, from either journal: the cameras and the claimers seen since a time. */
export function journalSeenLately(db: Db): SeenInJournal {
  const camera = alertField(db, 'alert_json', 'cameraId');
  return {
    // A store added later counts its earlier alerts.
    camerasSeen: (since) =>
      db.all<{ storeId: string; cameraId: string }>(
        `SELECT DISTINCT store_id AS "storeId", CAST(${camera} AS TEXT) AS "cameraId" FROM alerts
         WHERE received_at >= ? AND ${camera} IS NOT NULL LIMIT 5000`,
        [since],
      ),
    // "Anna is handling camera 3", prepared ahead.
    claimersSeen: (since) =>
      db.all<{ storeId: string; cameraId: string; by: string }>(
        `SELECT DISTINCT i.store_id AS "storeId", i.camera_id AS "cameraId", c.by AS by FROM claims c JOIN incidents i ON i.id = c.incident_id
         WHERE c.won = 1 AND c.at >= ? LIMIT 5000`,
        [since],
      ),
  };
}
