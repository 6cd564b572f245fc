import type { Logger } from '../log/logger';
import type { StoreRoute } from '../pipeline/alert';
import { ConfigError, type ConfigIssue } from './errors';
import { type BridgeConfig, loadConfig } from './load';
import type { Settings } from './settings-schema';

/** What a reload changes: stores added and removed (by store_veesion_id), settings that need a restart. */
export function configChanges(
  now: { stores: ReadonlyMap<string, unknown>; settings: Settings },
  next: BridgeConfig,
): { added: string[]; removed: string[]; restartNeeded: string[] } {
  const nextIds = new Set(next.stores.map((st) => st.store_veesion_id));
  return {
    added: [...nextIds].filter((id) => !now.stores.has(id)),
    removed: [...now.stores.keys()].filter((id) => !nextIds.has(id)),
    restartNeeded: (Object.keys(next.settings) as (keyof Settings)[]).filter(
      (k) => JSON.stringify(next.settings[k]) !== JSON.stringify(now.settings[k]),
    ),
  };
}

export type ReloadResult = ReturnType<typeof configChanges> | { issues: ConfigIssue[] };

/**
 * Reads both config files again and puts the new stores in `stores` (the map the running parts
 * read); the settings are compared with `config`'s, those changed are named as needing a restart.
 * An invalid edit changes nothing and is logged.
 */
export function reloadStores(config: BridgeConfig, stores: Map<string, StoreRoute>, logger: Logger): ReloadResult {
  let next: BridgeConfig;
  try {
    next = loadConfig({ envFile: config.files.env, storesFile: config.files.stores });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    logger.error('reload refused, running config kept', { issues: err.issues.map((i) => `${i.path}: ${i.message}`) });
    return { issues: err.issues };
  }
  const { added, removed, restartNeeded } = configChanges({ stores, settings: config.settings }, next);
  stores.clear();
  for (const st of next.stores) stores.set(st.store_veesion_id, st);
  logger.info('config reloaded', { stores: stores.size, added, removed, restartNeeded });
  for (const w of next.warnings) logger.warn('config warning', { path: w.path, problem: w.message });
  return { added, removed, restartNeeded };
}
