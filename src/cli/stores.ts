import { readHookStates, type HookStateRow } from '../journal/hook-state';
import { configFor, print, withJournal, type GlobalOptions } from './context';
import { CliExit, EXIT } from './exit-codes';
import { klaxonFrom } from './veesion-access';

/**
 * Veesion's stores beside x-hoppers.json: each store's conference and chat channel, whether
 * Veesion knows it, and the hook state the daemon last recorded.
 */
export async function stores(opts: GlobalOptions): Promise<void> {
  const config = configFor(opts);
  const s = config.settings;
  const client = klaxonFrom(s);
  let veesion: { store_veesion_id: string; store_veesion_name?: string | undefined }[] | undefined;
  let veesionProblem: string | undefined = client
    ? undefined
    : 'no Veesion account configured (VEESION_USERNAME, VEESION_PASSWORD)';
  if (client) {
    try {
      veesion = await client.stores();
    } catch (err) {
      veesionProblem = `Veesion unreachable: ${(err as Error).message}`;
    }
  }
  let hooks = new Map<string, HookStateRow>();
  let hookProblem: string | undefined;
  try {
    // The journal the daemons share when there is one: every host shows the same hook states.
    hooks = new Map((await withJournal(config, 'stores', 'read', readHookStates)).map((h) => [h.storeId, h]));
  } catch (err) {
    hookProblem = `hook state unknown: ${(err as Error).message}`;
  }

  const configured = new Map(config.stores.map((st) => [st.store_veesion_id, st]));
  const atVeesion = new Map((veesion ?? []).map((st) => [st.store_veesion_id, st]));
  const ids = [...new Set([...configured.keys(), ...atVeesion.keys()])].sort();
  const rows = ids.map((id) => {
    const c = configured.get(id);
    const v = atVeesion.get(id);
    const h = hooks.get(id);
    return {
      store_veesion_id: id,
      configured: c
        ? {
            name: c.name,
            audio_conf_id: c.audio_conf_id,
            xbees_channel_id: c.xbees_channel_id,
            location: c.location ?? null,
          }
        : null,
      veesion: veesion ? (v ? { name: v.store_veesion_name ?? null } : null) : undefined,
      hook: h ? { state: h.state, error: h.error, updatedAt: new Date(h.updatedAt).toISOString() } : null,
    };
  });
  const human = [
    ...rows.map(
      (r) =>
        `${r.store_veesion_id}\n` +
        `  here:    ${r.configured ? `${r.configured.name}, conference ${r.configured.audio_conf_id}, chat ${r.configured.xbees_channel_id}` : 'not in x-hoppers.json'}\n` +
        `  Veesion: ${r.veesion === undefined ? 'unknown' : r.veesion ? (r.veesion.name ?? 'known') : 'NOT KNOWN to this account (check store_veesion_id)'}\n` +
        `  hook:    ${r.hook ? `${r.hook.state}${r.hook.error ? ` (${r.hook.error})` : ''} at ${r.hook.updatedAt}` : 'no record'}`,
    ),
    ...[veesionProblem, hookProblem].filter((p): p is string => p !== undefined),
  ];
  print(opts, human.join('\n'), {
    ok: veesion !== undefined,
    veesionProblem: veesionProblem ?? null,
    hookProblem: hookProblem ?? null,
    stores: rows,
  });
  if (client && !veesion) throw new CliExit(EXIT.failure, veesionProblem ?? 'Veesion unreachable');
}
