import type Database from 'better-sqlite3';

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
  // 2: replays (a step's retry window can restart later than receipt) and the hook state
  // the daemon last saw per store (for `veesion-bridge stores`; the hook URL holds a secret, so
  // only the outcome is kept).
  `ALTER TABLE steps ADD COLUMN window_from INTEGER;
   ALTER TABLE steps ADD COLUMN replays INTEGER NOT NULL DEFAULT 0;
   CREATE TABLE hooks (
     store_id TEXT PRIMARY KEY,
     state TEXT NOT NULL,
     error TEXT,
     updated_at INTEGER NOT NULL
   );`,
  // 3: `veesion-bridge silence`: announcements of a store muted until a time.
  `CREATE TABLE silences (
     store_id TEXT PRIMARY KEY,
     until INTEGER NOT NULL,
     created_at INTEGER NOT NULL
   );`,
  // 4: outbound integrations. `events` is the outbox every integration reads in order from its
  // own cursor; an integration's delivery state (the attempts on its oldest undelivered event)
  // is kept on its row, so a restart resumes the schedule; `deliveries` logs each outcome.
  `CREATE TABLE events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     type TEXT NOT NULL,
     alert_id TEXT NOT NULL,
     store_id TEXT NOT NULL,
     location TEXT,
     time INTEGER NOT NULL,
     data_json TEXT NOT NULL
   );
   CREATE TABLE integrations (
     id TEXT PRIMARY KEY,
     type TEXT NOT NULL,
     url TEXT NOT NULL,
     secret TEXT NOT NULL,
     filter_json TEXT NOT NULL,
     scope TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     enabled INTEGER NOT NULL DEFAULT 1,
     disabled_reason TEXT,
     cursor INTEGER NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_at INTEGER,
     last_error TEXT,
     last_notice_at INTEGER,
     unnoticed_dead INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE deliveries (
     integration_id TEXT NOT NULL,
     event_id TEXT NOT NULL,
     type TEXT NOT NULL,
     alert_id TEXT NOT NULL,
     outcome TEXT NOT NULL,
     attempts INTEGER NOT NULL,
     error TEXT,
     at INTEGER NOT NULL,
     PRIMARY KEY (integration_id, event_id)
   );
   CREATE INDEX deliveries_at ON deliveries(at);`,
  // 5: incidents: the alerts of one store and camera that staff act on.
  // `announcements` and `next_repeat_at` carry the repeat schedule across a restart; `told` is
  // set once the conference and the chat have heard who claimed it. `claims` keeps every
  // claim, the first one (won = 1) and the seconds after it.
  `CREATE TABLE incidents (
     id TEXT PRIMARY KEY,
     store_id TEXT NOT NULL,
     camera_id TEXT NOT NULL,
     room TEXT NOT NULL,
     state TEXT NOT NULL,
     opened_at INTEGER NOT NULL,
     first_alert_id TEXT NOT NULL,
     last_alert_id TEXT NOT NULL,
     last_alert_at INTEGER NOT NULL,
     alerts INTEGER NOT NULL DEFAULT 1,
     announcements INTEGER NOT NULL DEFAULT 0,
     next_repeat_at INTEGER,
     claimed_by TEXT,
     claimed_at INTEGER,
     claimed_via TEXT,
     told INTEGER NOT NULL DEFAULT 0,
     outcome TEXT,
     resolved_by TEXT,
     resolved_at INTEGER,
     escalated_at INTEGER,
     escalated_to TEXT,
     escalation_note TEXT,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX incidents_live ON incidents(state) WHERE state IN ('open', 'claimed');
   CREATE INDEX incidents_camera ON incidents(store_id, camera_id, last_alert_at);
   CREATE TABLE claims (
     incident_id TEXT NOT NULL,
     by TEXT NOT NULL,
     via TEXT NOT NULL,
     at INTEGER NOT NULL,
     won INTEGER NOT NULL
   );
   CREATE INDEX claims_incident ON claims(incident_id);
   ALTER TABLE alerts ADD COLUMN incident_id TEXT;`,
  // 6: the chat side of the loop. `wildix_events` makes an inbound Wildix event (retried by the
  // PBX when slow to answer) count once; `incident_activity` is who was in the room or on the
  // call when an incident played; `followups` are the chat lines owed to a store's conversation,
  // one per change of an incident, kept until x-bees took them.
  `CREATE TABLE wildix_events (
     id TEXT PRIMARY KEY,
     type TEXT NOT NULL,
     received_at INTEGER NOT NULL
   );
   CREATE INDEX wildix_events_received ON wildix_events(received_at);
   CREATE TABLE incident_activity (
     incident_id TEXT NOT NULL,
     at INTEGER NOT NULL,
     kind TEXT NOT NULL,
     who TEXT,
     detail TEXT
   );
   CREATE INDEX incident_activity_incident ON incident_activity(incident_id);
   CREATE TABLE followups (
     incident_id TEXT NOT NULL,
     kind TEXT NOT NULL,
     store_id TEXT NOT NULL,
     text TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_at INTEGER,
     posted_at INTEGER,
     last_error TEXT,
     PRIMARY KEY (incident_id, kind)
   );
   CREATE INDEX followups_due ON followups(next_at) WHERE next_at IS NOT NULL;`,
  // 7: console sessions signed out, kept until they would have expired, so a signed-out (or
  // stolen) cookie stays refused after a restart.
  `CREATE TABLE console_revoked (
     id TEXT PRIMARY KEY,
     until INTEGER NOT NULL
   );`,
  // 8: daemons sharing a journal and the leases they hold. On SQLite one daemon holds
  // the data directory's lock, so it holds every lease; on PostgreSQL several daemons take turns.
  `CREATE TABLE daemons (
     id TEXT PRIMARY KEY,
     host TEXT NOT NULL,
     pid INTEGER NOT NULL,
     started_at INTEGER NOT NULL,
     seen_at INTEGER NOT NULL
   );
   CREATE TABLE leases (
     name TEXT PRIMARY KEY,
     holder TEXT NOT NULL,
     until INTEGER NOT NULL,
     taken_at INTEGER NOT NULL
   );
   CREATE INDEX leases_holder ON leases(holder);`,
  // 9: a call's state in columns of its own, not as markers in a step's detail text: its token
  // (its name on the PBX) and whether it was placed or answered, on the announce step and, for a
  // repeat, on its incident; and the call that last counted on an incident (a merged
  // announcement counts once, across restarts too). Steps written by older versions hold the
  // state in their detail ("calling: <token>", "answered, playing: <channel> (call <token>)").
  `ALTER TABLE steps ADD COLUMN call_token TEXT;
   ALTER TABLE steps ADD COLUMN call_state TEXT;
   ALTER TABLE steps ADD COLUMN call_channel TEXT;
   UPDATE steps SET call_token = substr(detail, 10), call_state = 'calling'
     WHERE step = 'announce' AND state = 'running' AND detail LIKE 'calling: %';
   UPDATE steps SET call_token = substr(detail, length(detail) - 36, 36), call_state = 'answered', call_channel = substr(detail, 20, length(detail) - 63)
     WHERE step = 'announce' AND state = 'running' AND detail LIKE 'answered, playing: % (call %)' AND length(detail) > 63;
   ALTER TABLE incidents ADD COLUMN last_call TEXT;
   ALTER TABLE incidents ADD COLUMN call_token TEXT;
   ALTER TABLE incidents ADD COLUMN call_state TEXT;
   ALTER TABLE incidents ADD COLUMN call_channel TEXT;
   CREATE INDEX alerts_incident ON alerts(incident_id);`,
  // 10: the alerts' still images, for the console. On a journal the daemons share they live
  // here, so any daemon serves a still another one took; on SQLite they stay files in the data
  // directory (its one daemon serves them) and the table stays empty, one schema for both.
  `CREATE TABLE stills (
     alert_id TEXT PRIMARY KEY,
     jpeg BLOB NOT NULL,
     saved_at INTEGER NOT NULL
   );
   CREATE INDEX stills_saved ON stills(saved_at);`,
  // 11: the people who sign in, each with a role and the stores it covers (a JSON list, empty for
  // every store), in the journal so daemons sharing it share them. Only a hash of a password is
  // kept; password_at ends the sessions that began before the password was changed. And the
  // audit trail: every change a person made (claim, resolve, silence, replay, say, integration,
  // user), who, from where and how, kept BRIDGE_AUDIT_RETENTION_DAYS.
  `CREATE TABLE audit (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,
     actor TEXT NOT NULL,
     via TEXT NOT NULL,
     address TEXT,
     action TEXT NOT NULL,
     target TEXT,
     detail_json TEXT NOT NULL
   );
   CREATE INDEX audit_at ON audit(at);
   CREATE TABLE users (
     name TEXT PRIMARY KEY,
     display_name TEXT NOT NULL,
     role TEXT NOT NULL,
     stores_json TEXT NOT NULL,
     password_hash TEXT NOT NULL,
     password_at INTEGER NOT NULL,
     created_at INTEGER NOT NULL
   );`,
  // 12: the console's sessions as rows, so every daemon sharing the journal knows a sign-in made
  // on another and a sign-out ends the session everywhere at once. The id is a hash of the
  // cookie's secret (a copy of the journal signs nobody in); a session signed in with the admin
  // token has no user and carries a mark of that token, so a new token ends it. And each user's
  // API tokens for automation, kept the same way: a hash, never the token.
  `CREATE TABLE console_sessions (
     id TEXT PRIMARY KEY,
     user_name TEXT,
     token_mark TEXT,
     csrf TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX console_sessions_expiry ON console_sessions(expires_at);
   CREATE TABLE user_tokens (
     id TEXT PRIMARY KEY,
     user_name TEXT NOT NULL,
     label TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE INDEX user_tokens_user ON user_tokens(user_name);`,
];

/**
 * Brings a journal to the current schema, one numbered step per transaction (forward only).
 * The daemon runs it at start; writing operator commands run it too, so they work before the
 * daemon's first start and after an upgrade. Refuses a journal newer than this code.
 */
export function migrateJournal(db: Database.Database, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(
      `journal ${file} is at schema ${version}, newer than this version of veesion-bridge (${MIGRATIONS.length}): was it downgraded?`,
    );
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      // Another process may have migrated this step meanwhile: check again under the lock.
      if ((db.pragma('user_version', { simple: true }) as number) > v) return;
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
