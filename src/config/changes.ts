import type { BridgeConfig } from './load';
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
