import { Pool, type PoolClient } from 'pg';
import { startPgCluster, type PgCluster } from '../../src/sim/pg-cluster';

/**
 * A real PostgreSQL for one test file: started in beforeAll (its own cluster in a temporary
 * directory, on a free loopback port), stopped in afterAll. `fresh()` gives each test an empty
 * database of its own.
 */
export function usePostgres(): { fresh: () => Promise<string>; cluster: () => PgCluster } {
  let cluster: PgCluster | undefined;
  let n = 0;
  beforeAll(async () => {
    cluster = await startPgCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 30_000);
  const get = () => {
    if (!cluster) throw new Error('PostgreSQL did not start (see beforeAll)');
    return cluster;
  };
  return { fresh: () => get().createDatabase(`t${++n}_${process.pid}`), cluster: get };
}

/**
 * A test's own connections to a journal. Its `close()` waits until they are closed, not just asked
 * to close (what `Pool.end()` waits for): the server is shut down right after a test, and a
 * connection still open then is cut with an error. An idle connection cut by the server errors
 * on the pool; unheard, that error would fail the whole test file, so it goes to `onError`
 * instead (the next query reconnects or fails itself).
 */
export function testPool(
  url: string,
  max: number,
  onError: (err: Error) => void = () => undefined,
): { db: Pool; close: () => Promise<void> } {
  const db = new Pool({ connectionString: url, max });
  const open = new Set<PoolClient>();
  db.on('error', onError);
  db.on('connect', (client) => {
    open.add(client);
    client.once('end', () => open.delete(client));
  });
  return {
    db,
    close: async () => {
      const closed = [...open].map((c) => new Promise((r) => c.once('end', r)));
      await db.end();
      await Promise.all(closed);
    },
  };
}
