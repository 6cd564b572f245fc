/** The journal's tables. Bump `user_version` and add a step to MIGRATIONS to change them. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE alerts (
     id TEXT PRIMARY KEY,
     received_at INTEGER NOT NULL,
     store_id TEXT NOT NULL,
     status TEXT NOT NULL,
     alert_json TEXT NOT NULL,
     raw_body TEXT NOT NULL
   );
   CREATE INDEX alerts_received ON alerts(received_at);
   CREATE TABLE steps (
     alert_id TEXT NOT NULL REFERENCES alerts(id),
     step TEXT NOT NULL,
     state TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_at INTEGER,
     last_error TEXT,
     detail TEXT,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (alert_id, step)
   );
   CREATE INDEX steps_unfinished ON steps(state) WHERE state IN ('pending', 'running');`,
];
