import type { Journal } from '../pipeline/ports';
import { JournalAudit } from './audit';
import { JournalUsers } from './users';
import { JournalSessions } from './console-sessions';
import { JournalUserTokens } from './user-tokens';
import type { EventSink } from '../pipeline/alert-event';
import type { DeliveryStore } from '../integrations/integration';
import type { FollowUpOutbox } from '../pipeline/follow-up';
import type { Alert } from '../pipeline/alert';
import type { IncidentStore } from '../pipeline/incident';
import type { IncidentChanges } from '../pipeline/incident-commands';
import type { SqliteJournal } from './sqlite-journal';
import type { PgJournal } from './pg/pg-journal';
import type { SharedJournalArea } from '../cluster/shared-journal-area';
import { SilenceCache } from './silence-cache';
import { JournalAdmin } from './admin-journal';
import { journalSeenLately } from './seen-lately';
import { PgDb } from './sql/pg-db';
import type { SeenInJournal } from '../tts/prerender';
import type { AdminJournalPort, IntegrationsPort } from './admin-journal';
import type { SeenEvents } from './seen-events';
import { type HookStateRow, recordHookStates } from './hook-state';
import { JournalRevokedSessions, type RevokedSessions } from './revoked-sessions';
import { JournalStills, type StillKeeper } from '../chat/still-store';

/**
 * What the daemon's parts read and write, from the journal they share: this host's SQLite file,
 * or the PostgreSQL journal of several daemons (BRIDGE_JOURNAL_URL, opened by openDaemonJournal).
 */
export interface JournalParts {
  steps: Journal;
  /** The incidents, and their claims and resolves with what each implies (what IncidentCommands writes through). */
  incidents: IncidentStore & IncidentChanges;
  alert(id: string): Promise<Alert | undefined>;
  seen: SeenEvents;
  /** Where alert and incident events go, and where the dispatcher reads them. */
  events: EventSink & { onEventsWritten(listener: () => void): void };
  deliveries: DeliveryStore;
  /** The chat lines owed to the stores' conversations. */
  followUps: FollowUpOutbox;
  /** What the admin API (and so the console) reads and changes. */
  admin: AdminJournalPort;
  integrations: IntegrationsPort;
  /** What pre-rendering prepares ahead. */
  seenLately: SeenInJournal;
  /** Whether this daemon does the shared journal's housekeeping (always on its own journal). */
  housekeeps(): boolean;
  pruneAlerts(cutoff: number): Promise<number>;
  /** Until when `veesion-bridge silence` mutes a store's announcements, if it does at `now` (asked at each one). */
  silencedUntil(storeId: string, now: number): number | undefined;
  /** The last hook reconciliation per store, for `veesion-bridge stores`. */
  recordHooks(rows: readonly HookStateRow[]): Promise<void>;
  /** The console's signed-out sessions and spent sign-in codes. */
  revokedSessions: RevokedSessions;
  /** Who changed what; its housekeeping is the cron lease holder's on a shared journal. */
  audit: JournalAudit;
  /** The people who sign in to the console, and their sessions. */
  users: JournalUsers;
  sessions: JournalSessions;
  userTokens: JournalUserTokens;
  /** The alerts' stills in the journal the daemons share; absent, they are this host's files. */
  stills?: StillKeeper;
  start(): Promise<void>;
  stop(): void;
}

export function journalParts(
  local: SqliteJournal | undefined,
  shared?: { journal: PgJournal; area: SharedJournalArea; onError: (err: unknown, failed?: 'write') => void },
): JournalParts {
  if (!shared) {
    if (!local) throw new Error("no journal: neither this host's file nor one shared with other daemons");
    return {
      steps: local,
      incidents: local.incidents,
      alert: async (id) => local.storedAlert(id)?.alert,
      seen: local.seenEvents,
      events: local,
      deliveries: local.integrations,
      followUps: local.followUps,
      admin: local.admin,
      seenLately: local.seenLately,
      integrations: local.integrations,
      housekeeps: () => true,
      pruneAlerts: (cutoff) => local.prune(cutoff),
      silencedUntil: (storeId, now) => local.silencedUntil(storeId, now),
      recordHooks: (rows) => local.recordHooks(rows),
      revokedSessions: local.chat.revokedSessions,
      audit: local.audit,
      users: local.users,
      sessions: local.sessions,
      userTokens: local.userTokens,
      start: async () => undefined,
      stop: () => undefined,
    };
  }
  const pg = shared.journal;
  const db = new PgDb(pg.pool);
  const silences = new SilenceCache(db, shared.onError);
  const revoked = new JournalRevokedSessions(db, shared.onError);
  return {
    steps: pg,
    incidents: pg.incidents,
    alert: async (id) => (await pg.getAlert(id))?.alert,
    seen: pg.seenEvents,
    events: pg,
    deliveries: pg.integrations,
    followUps: pg.followUps,
    // A silence set through the admin API applies on this daemon at once.
    admin: new JournalAdmin(
      db,
      () => pg.flush(),
      (now) => silences.refresh(now),
    ),
    seenLately: journalSeenLately(db),
    integrations: pg.integrations,
    // The holder of the cron lease; every daemon prunes its own files (audio, stills).
    housekeeps: () => shared.area.holdsCron(),
    pruneAlerts: async (cutoff) => (shared.area.holdsCron() ? pg.prune(cutoff) : 0),
    silencedUntil: (storeId, now) => silences.silencedUntil(storeId, now),
    recordHooks: (rows) => recordHookStates(db, rows),
    revokedSessions: revoked,
    audit: new JournalAudit(db),
    users: new JournalUsers(db),
    sessions: new JournalSessions(db),
    userTokens: new JournalUserTokens(db),
    stills: new JournalStills(db),
    start: async () => {
      await silences.start();
      await revoked.start();
    },
    stop: () => {
      silences.stop();
      revoked.stop();
    },
  };
}
