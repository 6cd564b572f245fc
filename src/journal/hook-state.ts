import type Database from 'better-sqlite3';

export type HookState = 'registered' | 'failed' | 'missing-at-veesion' | 'not-configured';

export interface HookStateRow {
  storeId: string;
  state: HookState;
  error: string | null;
  updatedAt: number;
}

/** The outcome of the last reconciliation per store, replacing the previous one whole. */
export function recordHookStates(db: Database.Database, rows: readonly HookStateRow[]): void {
  const insert = db.prepare('INSERT INTO hooks (store_id, state, error, updated_at) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    db.prepare('DELETE FROM hooks').run();
    for (const r of rows) insert.run(r.storeId, r.state, r.error, r.updatedAt);
  })();
}

export function readHookStates(db: Database.Database): HookStateRow[] {
  return (
    db.prepare('SELECT store_id, state, error, updated_at FROM hooks ORDER BY store_id').all() as {
      store_id: string;
      state: HookState;
      error: string | null;
      updated_at: number;
    }[]
  ).map((r) => ({ storeId: r.store_id, state: r.state, error: r.error, updatedAt: r.updated_at }));
}
