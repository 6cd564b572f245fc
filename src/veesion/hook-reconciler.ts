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

/** What a reconciliation would do, from Veesion's stores and the configured ones (no I/O). */
export function planHooks(known: ReadonlySet<string>, configured: readonly string[]): HookReport {
  return {
    registered: configured.filter((id) => known.has(id)),
    failed: [],
    missingAtVeesion: configured.filter((id) => !known.has(id)),
    notConfigured: [...known].filter((id) => !configured.includes(id)).sort(),
  };
}

/** Veesion's stores for this account, as a set of store_veesion_id. */
export async function veesionStoreIds(client: KlaxonClient): Promise<Set<string>> {
  return new Set((await client.stores()).map((s) => s.store_veesion_id));
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
  const plan = planHooks(await veesionStoreIds(client), configured);
  const registered: string[] = [];
  const failed: HookReport['failed'] = [];
  for (const store of plan.registered) {
    try {
      if (!done.has(store)) await client.registerHook(store, hookUrl);
      registered.push(store);
    } catch (err) {
      failed.push({ store, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return { ...plan, registered, failed };
}

/** The report as one row per store, for the journal (`veesion-bridge stores` reads it). */
export function hookStates(report: HookReport, now: number): HookStateRow[] {
  const row = (storeId: string, state: HookStateRow['state'], error: string | null = null): HookStateRow => ({
    storeId,
    state,
    error,
    updatedAt: now,
  });
  return [
    ...report.registered.map((s) => row(s, 'registered')),
    ...report.failed.map((f) => row(f.store, 'failed', f.error)),
    ...report.missingAtVeesion.map((s) => row(s, 'missing-at-veesion')),
    ...report.notConfigured.map((s) => row(s, 'not-configured')),
  ];
}
