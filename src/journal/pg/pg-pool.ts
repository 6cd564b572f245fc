import pg from 'pg';
/**
 * Free text for a PostgreSQL text column: it refuses NUL, which an error message quoting a peer's
 * answer may hold (SQLite keeps it). One such write retried forever would fail every commit.
 */
export function pgText(v: string): string;
export function pgText(v: string | null): string | null;
export function pgText(v: string | null): string | null {
  return v === null ? null : v.replace(/\u0000/g, '\uFFFD');
}

/** NOTIFY channel: the journal changed (new steps, a claim): the daemons look at it again. */
export const STEPS_CHANNEL = 'veesion_bridge_steps';

export { isPostgresUrl, redactUrl, urlSecrets } from './journal-url';

/** BIGINT columns (times in ms, counters, the outbox sequence) as numbers: they fit in 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** A pool on a `postgres://` URL, as the journal uses it. The URL may hold a password: never logged. */
export function openPgPool(
  url: string,
  opts: { max?: number; applicationName?: string; pipeline?: boolean; keepIdle?: boolean } = {},
): pg.Pool {
  const pool = new pg.Pool({
    // Queries sent without waiting for the answer before (the server runs them in order).
    ...(opts.pipeline ? { pipeline: true } : {}),
    // A plan for the rows each statement is given. PostgreSQL would otherwise settle on a generic
    // plan for a named statement after five runs, made with the tables' sizes of that moment: on
    // a new journal, a plan for empty tables (a scan of every alert) kept until the next ANALYZE,
    // so each commit took longer than the one before (a 16-alert commit from 5 ms to 17 ms over
    // 48,000 alerts, measured alone). Set
    // before the connection is first used (a SET: PgBouncer refuses it as a startup option).
    onConnect: async (client: pg.ClientBase) => {
      await client.query('SET plan_cache_mode = force_custom_plan');
    },
    connectionString: url,
    max: opts.max ?? 10,
    // An idle connection is closed after 10 s unless kept (then the next query would pay for a
    // new one: connecting, signing in, the SET above).
    ...(opts.keepIdle ? { idleTimeoutMillis: 0 } : {}),
    types,
    application_name: opts.applicationName ?? 'veesion-bridge',
    connectionTimeoutMillis: 10_000,
    // A server gone quiet must not hold a commit (and the webhook's 200) forever.
    query_timeout: 30_000,
    keepAlive: true,
  });
  // An idle client whose server went away errors on the pool: the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Runs `fn` on one pooled connection. A connection the server drops between two queries emits
 * 'error' rather than failing a query: heard here (the next query fails and says so), never left
 * to crash the daemon. A connection that failed is destroyed, not put back.
 */
export async function withClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error) => {
    broken = err;
  };
  client.on('error', onError);
  try {
    return await fn(client);
  } catch (err) {
    broken ??= err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken ?? false);
  }
}

/** `fn` in one transaction on one connection: committed if it returns, rolled back if it throws. */
export function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, async (client) => {
    await client.query('BEGIN');
    try {
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}
