import axios from 'axios';
import { summariseJournal } from '../journal/journal-reader';
import { configFor, print, receiverBase, receiverRequest, type GlobalOptions } from './context';
import { CliExit, EXIT } from './exit-codes';
import { journalFile } from '../journal/journal-file';

/** Daemon up?, readiness (journal, AMI, Veesion token), recent alerts and their steps, counts. */
export async function status(opts: GlobalOptions): Promise<void> {
  const config = configFor(opts);
  const s = config.settings;
  let daemon: { up: boolean; ready?: boolean; checks?: Record<string, boolean>; refused?: string; veesionTokenExpiresInS?: number | null } = { up: false };
  try {
    const res = await axios.get(`${receiverBase(s)}/readyz`, { ...receiverRequest(s, { admin: true }), timeout: 3000, validateStatus: () => true });
    const body = res.data as { checks?: Record<string, boolean>; error?: string; details?: { veesionTokenExpiresInS?: unknown } };
    const lifetime = body.details?.veesionTokenExpiresInS;
    daemon = {
      up: true,
      ready: res.status === 200,
      ...(body.checks ? { checks: body.checks } : {}),
      ...(res.status === 403 ? { refused: body.error ?? 'refused' } : {}),
      ...(typeof lifetime === 'number' || lifetime === null ? { veesionTokenExpiresInS: lifetime } : {}),
    };
  } catch {
    // not running: still show what the journal holds
  }
  let journal;
  try {
    journal = summariseJournal(journalFile(s.BRIDGE_DATA_DIR));
  } catch (err) {
    throw new CliExit(EXIT.failure, `${daemon.up ? 'daemon up, but ' : 'daemon not running; '}${(err as Error).message}`);
  }
  const lines = [
    `daemon: ${daemon.up ? (daemon.refused ? `up, /readyz refused: ${daemon.refused}` : daemon.ready ? 'up, ready' : 'up, NOT ready') : 'not running'}` +
      (daemon.checks ? ` (${Object.entries(daemon.checks).map(([k, v]) => `${k} ${v ? 'ok' : 'FAILING'}`).join(', ')})` : ''),
    ...(daemon.veesionTokenExpiresInS !== undefined ? [`Veesion token: ${tokenLifetime(daemon.veesionTokenExpiresInS)}`] : []),
    `journal: ${journal.alerts} alerts (${journal.unroutable} unroutable), ${journal.queued} steps queued, ${journal.failed} given up`,
    'recent alerts:',
    ...journal.recent.map((a) =>
      `  ${new Date(a.receivedAt).toISOString()} ${a.id} store ${a.storeId} ${a.status === 'unroutable' ? 'UNROUTABLE' : ''}` +
        a.steps.map((st) => ` ${st.step}=${st.state}${st.attempts > 1 ? `(${st.attempts} attempts)` : ''}`).join(''),
    ),
  ];
  print(opts, lines.join('\n'), { daemon, ...journal });
}

function tokenLifetime(seconds: number | null): string {
  if (seconds === null) return 'none (not signed in)';
  return seconds > 0 ? `expires in ${Math.round(seconds / 60)} min` : 'EXPIRED';
}
