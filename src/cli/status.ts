import axios from 'axios';
import { summariseJournal, type JournalSummary, type OpenIncidentView } from '../journal/journal-reader';
import { sharedDaemons, type SharedDaemonView } from '../journal/pg/pg-summary';
import { PgDb } from '../journal/sql/pg-db';
import { configFor, print, receiverBase, receiverRequest, withJournal, type GlobalOptions } from './context';
import { CliExit, EXIT } from './exit-codes';
import { printable } from './printable';
import { localTime } from './local-time';
import { countCachedSounds, type CachedSounds } from './sound-cache';

/** Daemon up?, readiness (journal, AMI, Veesion token), recent alerts and their steps, counts. */
export async function status(opts: GlobalOptions): Promise<void> {
  const config = configFor(opts);
  const s = config.settings;
  let daemon: {
    up: boolean;
    ready?: boolean;
    checks?: Record<string, boolean>;
    reasons?: Record<string, string>;
    refused?: string;
    veesionTokenExpiresInS?: number | null;
    audioCache?: { wanted: number; cached: number; running: boolean };
  } = { up: false };
  try {
    const res = await axios.get(`${receiverBase(s)}/readyz`, {
      ...receiverRequest(s, { admin: true }),
      timeout: 3000,
      validateStatus: () => true,
    });
    const body = res.data as {
      checks?: Record<string, boolean>;
      reasons?: Record<string, string>;
      error?: string;
      details?: { veesionTokenExpiresInS?: unknown; audioCache?: unknown };
    };
    const cache = body.details?.audioCache as { wanted?: unknown; cached?: unknown; running?: unknown } | undefined;
    const lifetime = body.details?.veesionTokenExpiresInS;
    daemon = {
      up: true,
      ready: res.status === 200,
      ...(body.checks ? { checks: body.checks } : {}),
      ...(body.reasons ? { reasons: body.reasons } : {}),
      ...(res.status === 403 ? { refused: body.error ?? 'refused' } : {}),
      ...(typeof lifetime === 'number' || lifetime === null ? { veesionTokenExpiresInS: lifetime } : {}),
      ...(cache && typeof cache.wanted === 'number' && typeof cache.cached === 'number'
        ? { audioCache: { wanted: cache.wanted, cached: cache.cached, running: cache.running === true } }
        : {}),
    };
  } catch {
    // not running: still show what the journal holds
  }
  let journal: JournalSummary & { daemons?: SharedDaemonView[] };
  let sharedAt: string | undefined;
  try {
    journal = await withJournal(config, 'status', 'read', async (db, where) => {
      if (!(db instanceof PgDb)) return summariseJournal(db);
      // A shared journal: which daemons share it, and their leases (its absence said first).
      sharedAt = where;
      const daemons = await sharedDaemons(db.pool, where);
      return { ...(await summariseJournal(db)), daemons };
    });
  } catch (err) {
    throw new CliExit(
      EXIT.failure,
      `${daemon.up ? 'daemon up, but ' : 'daemon not running; '}${(err as Error).message}`,
    );
  }
  const cachedSounds = countCachedSounds(s.BRIDGE_DATA_DIR);
  const shared =
    sharedAt !== undefined && journal.daemons
      ? [`shared journal ${sharedAt}: ${journal.daemons.length} daemon(s)`, ...journal.daemons.map(daemonLine)]
      : [];
  const lines = [
    `daemon: ${daemon.up ? (daemon.refused ? `up, /readyz refused: ${daemon.refused}` : daemon.ready ? 'up, ready' : 'up, NOT ready') : 'not running'}` +
      (daemon.checks
        ? ` (${Object.entries(daemon.checks)
            .map(([k, v]) => `${k} ${v ? 'ok' : 'FAILING'}`)
            .join(', ')})`
        : ''),
    ...Object.entries(daemon.reasons ?? {}).map(([check, why]) => `  ${check}: ${why}`),
    ...(daemon.veesionTokenExpiresInS !== undefined
      ? [`Veesion token: ${tokenLifetime(daemon.veesionTokenExpiresInS)}`]
      : []),
    audioCacheLine(cachedSounds, daemon.audioCache),
    ...shared,
    `journal: ${journal.alerts} alerts (${journal.unroutable} unroutable), ${journal.queued} steps queued, ${journal.failed} given up`,
    ...(journal.lastError
      ? [
          `last error: ${time(journal.lastError.at)} ${journal.lastError.alertId} ${journal.lastError.step}: ${printable(journal.lastError.error)}`,
        ]
      : []),
    `silenced: ${journal.silences.length === 0 ? 'none' : journal.silences.map((x) => `${x.storeId} until ${time(x.until)}`).join(', ')}`,
    `unresolved incidents: ${journal.incidents.length === 0 ? 'none' : unresolved(journal.incidents)}`,
    ...journal.incidents.map(incidentLine),
    'recent alerts:',
    ...journal.recent.map(
      (a) =>
        `  ${time(a.receivedAt)} ${a.id} store ${a.storeId} ${a.status === 'unroutable' ? 'UNROUTABLE' : ''}` +
        a.steps
          .map(
            (st) =>
              ` ${st.step}=${st.state}${st.attempts > 1 ? `(${st.attempts} attempts)` : ''}${st.nextAt !== null ? ` next ${time(st.nextAt)}` : ''}`,
          )
          .join(''),
    ),
  ];
  print(opts, lines.join('\n'), { daemon, ...journal, soundsCached: cachedSounds.files ?? null });
}

/** A daemon sharing the journal: where it runs, when it last said it was alive, what it holds. */
function daemonLine(d: SharedDaemonView): string {
  return `  ${d.id} (host ${d.host}, pid ${d.pid}), seen ${d.seenS}s ago, holds ${d.holds.length === 0 ? 'nothing' : d.holds.join(', ')}`;
}

/** One open or claimed incident: where, how old, how often said, who took it and how many tried. */
function incidentLine(i: OpenIncidentView): string {
  const claim =
    i.claimedAt !== null
      ? `claimed by ${printable(i.claimedBy ?? '?')} via ${i.claimedVia ?? '?'} at ${time(i.claimedAt)}`
      : 'not claimed yet';
  return (
    `  ${i.id} store ${i.storeId} camera ${i.cameraId} room ${i.room}: ${i.state}, age ${age(i.ageS)}, ` +
    `${i.announcements} announcement(s), ${i.alerts} alert(s), ${claim}, ${i.claims} claim(s)` +
    (i.escalatedAt !== null
      ? `, escalated at ${time(i.escalatedAt)}${i.escalatedTo ? ` to ${printable(i.escalatedTo)}` : ''}`
      : '')
  );
}

function unresolved(list: OpenIncidentView[]): string {
  const open = list.filter((i) => i.state === 'open').length;
  return `${list.length} (${open} open, ${list.length - open} claimed)`;
}

function age(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const time = (ms: number) => localTime(ms);

/**
 * What the audio cache holds (every sentence rendered, for alerts or ahead of them, and kept)
 * and how far the running daemon's rendering ahead got: it renders the sentences of the cameras
 * and claimers the journal saw in the last 30 days, listed when it starts and reloads.
 */
function audioCacheLine(
  cached: CachedSounds,
  ahead: { wanted: number; cached: number; running: boolean } | undefined,
): string {
  const inAll =
    cached.files !== undefined
      ? `${cached.files} sentence(s) rendered`
      : `${cached.dir} not readable (${cached.error ?? 'unknown error'})`;
  if (!ahead) return `audio cache: ${inAll}`;
  if (ahead.wanted === 0 && !ahead.running)
    return `audio cache: ${inAll}; none listed to render ahead of alerts yet (the sentences of the cameras and claimers seen in 30 days)`;
  return `audio cache: ${ahead.cached} of ${ahead.wanted} sentences ready ahead of alerts (those of the cameras and claimers seen in 30 days)${ahead.running ? ', rendering' : ''}; ${inAll} in all`;
}

function tokenLifetime(seconds: number | null): string {
  if (seconds === null) return 'none (not signed in)';
  return seconds > 0 ? `expires in ${Math.round(seconds / 60)} min` : 'EXPIRED';
}
