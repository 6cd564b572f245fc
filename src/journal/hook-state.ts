import type { Db } from './sql/db';

export type HookState = 'registered' | 'failed' | 'missing-at-veesion' | 'not-configured';

export interface HookStateRow {
  storeId: string;
  state: HookState;
  error: string | null;
  updatedAt: number;
}

/**
 * The outcome of the last reconciliation per store, replacing the previous one whole, in the
 * journal the daemons share (so `veesion-bridge stores` shows the same on every host).
 */
export function recordHookStates(db: Db, rows: readonly HookStateRow[]): Promise<void> {
  return db.transaction(function* (tx) {
    yield* tx.run('DELETE FROM hooks');
    for (const r of rows)
      yield* tx.run('INSERT INTO hooks (store_id, state, error, updated_at) VALUES (?, ?, ?, ?)', [
        r.storeId,
        r.state,
        r.error,
        r.updatedAt,
      ]);
  });
}

export async function readHookStates(db: Db): Promise<HookStateRow[]> {
  const rows = await db.all<{ store_id: string; state: HookState; error: string | null; updated_at: number }>(
    'SELECT store_id, state, error, updated_at FROM hooks ORDER BY store_id',
  );
  return rows.map((r) => ({ storeId: r.store_id, state: r.state, error: r.error, updatedAt: r.updated_at }));
}
