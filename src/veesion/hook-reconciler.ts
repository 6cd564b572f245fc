import type { HookStateRow } from '../journal/hook-state';
import type { KlaxonClient } from './klaxon-client';

export interface HookReport {
  registered: string[];
  failed: { store: string; error: string }[];
  /** Configured in x-hoppers.json but unknown to Veesion: check store_veesion_id. */
  missingAtVeesion: string[];
  /** Veesion stores of this account that x-hoppers.json does not configure. */
  notConfigured: string[];
}

/**
 * Makes Veesion's hooks match x-hoppers.json: every configured store that Veesion knows gets
 * `hookUrl` registered (once per run: stores in `done`, registered by an earlier try of the
 * same run, are not posted again); the differences both ways are reported.
 */
export async function reconcileHooks(
  client: KlaxonClient,
  configured: readonly string[],
  hookUrl: string,
  done: ReadonlySet<string> = new Set(),
): Promise<HookReport> {
  const known = new Set((await client.stores()).map((s) => s.store_veesion_id));
  const report: HookReport = { registered: [], failed: [], missingAtVeesion: [], notConfigured: [] };
  for (const store of configured) {
    if (!known.has(store)) {
      report.missingAtVeesion.push(store);
      continue;
    }
    try {
      if (!done.has(store)) await client.registerHook(store, hookUrl);
      report.registered.push(store);
    } catch (err) {
      report.failed.push({ store, error: err instanceof Error ? err.message : String(err) });
    }
  }
  report.notConfigured = [...known].filter((s) => !configured.includes(s)).sort();
  return report;
}

/** The report as one row per store, for the journal (`veesion-bridge stores` reads it). */
export function hookStates(report: HookReport, now: number): HookStateRow[] {
  const row = (storeId: string, state: HookStateRow['state'], error: string | null = null): HookStateRow => ({ storeId, state, error, updatedAt: now });
  return [
    ...report.registered.map((s) => row(s, 'registered')),
    ...report.failed.map((f) => row(f.store, 'failed', f.error)),
    ...report.missingAtVeesion.map((s) => row(s, 'missing-at-veesion')),
    ...report.notConfigured.map((s) => row(s, 'not-configured')),
  ];
}
