import { setSilence } from '../journal/silences';
import { configFor, print, withJournal, type GlobalOptions } from './context';
import { CliExit, EXIT } from './exit-codes';
import { parseDuration } from './time-arg';
import { localTime } from './local-time';
import { recordCommand } from './audit';

/**
 * Mutes one store's announcements for a while (`--for 30m`), or lifts it (`--off`). Chat posts
 * go on. Kept in the journal, which the daemon reads at each announcement: no signal needed,
 * and it survives a restart. On a shared PostgreSQL journal every daemon sees it within a second.
 */
export async function silence(opts: GlobalOptions & { store: string; for?: string; off?: boolean }): Promise<void> {
  const usage = (m: string) =>
    new CliExit(
      EXIT.usage,
      `silence: ${m}\nusage: veesion-bridge silence --store <id> --for <30m|2h|1d> | --store <id> --off`,
    );
  if (opts.off === (opts.for !== undefined)) throw usage('give --for <duration> or --off');
  const ms = opts.for === undefined ? 0 : parseDuration(opts.for);
  if (ms === undefined || ms > 30 * 86_400_000)
    throw usage(`--for is a duration up to 30d, e.g. 30m, 2h, 1d (got "${opts.for}")`);
  const config = configFor(opts);
  if (!config.stores.some((s) => s.store_veesion_id === opts.store)) {
    throw usage(
      `no store "${opts.store}" in x-hoppers.json (stores: ${config.stores.map((s) => s.store_veesion_id).join(', ')})`,
    );
  }
  const now = Date.now();
  const until = ms > 0 ? now + ms : 0;
  // A shared journal's daemons read the silences again each second.
  await withJournal(config, 'silence', 'write', async (db) => {
    await setSilence(db, opts.store as string, until, now);
    await recordCommand(db, until > 0 ? 'silence' : 'silence off', opts.store as string, until > 0 ? { until } : {});
  });
  const human =
    until > 0
      ? `announcements for ${opts.store} muted until ${localTime(until)} (chat posts continue)`
      : `announcements for ${opts.store} no longer silenced`;
  print(opts, human, { ok: true, store: opts.store, silencedUntil: until > 0 ? new Date(until).toISOString() : null });
}
