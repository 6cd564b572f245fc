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
