import type { StoreRoute } from './alert';
import { localFields, parseCronWindow, type CronWindow } from './cron-window';

const parsed = new WeakMap<StoreRoute, CronWindow[]>();

/**
 * Why a store's announcements are muted at `now`: a `silence` from the operator (until a time)
 * or one of the store's quiet-hours windows. Undefined when they are not.
 */
export function mutedReason(
  store: StoreRoute,
  now: number,
  silencedUntil: (storeId: string) => number | undefined,
): string | undefined {
  const until = silencedUntil(store.store_veesion_id);
  if (until !== undefined) return `silenced until ${new Date(until).toISOString()} (veesion-bridge silence)`;
  if (!store.quiet_hours || store.quiet_hours.length === 0) return undefined;
  let windows = parsed.get(store);
  if (!windows) {
    windows = store.quiet_hours.map(parseCronWindow); // validated with the config
    parsed.set(store, windows);
  }
  const t = localFields(now);
  const hit = windows.find((w) => w.matches(t));
  return hit ? `quiet hours (${hit.source})` : undefined;
}
