import type { ConfigIssue } from '../config/errors';
import type { Settings } from '../config/settings-schema';
import type { StoreRoute } from '../pipeline/alert';
import { installedVoices, voiceFor, type InstalledVoices } from './voices';

/** Stores whose `language` no installed engine speaks (check-config refuses them; the daemon logs them). */
export function unspokenLanguages(
  stores: readonly StoreRoute[],
  s: Pick<Settings, 'BRIDGE_TTS_ENGINE' | 'BRIDGE_TTS_VOICE'>,
  installed: InstalledVoices = installedVoices(),
): ConfigIssue[] {
  return stores.flatMap((store, i) => {
    if (!store.language) return [];
    if (voiceFor(store.language, { engine: s.BRIDGE_TTS_ENGINE, voice: s.BRIDGE_TTS_VOICE }, installed)) return [];
    return [
      {
        path: `x-hoppers.json: stores[${i}].language`,
        message: `no installed speech engine speaks ${store.language} (${store.store_veesion_id}): install its espeak-ng voice (espeak-ng-data) or a Festival voice, or set BRIDGE_TTS_VOICE`,
      },
    ];
  });
}
