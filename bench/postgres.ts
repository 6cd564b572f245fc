import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { SimWorld } from '../src/sim/sim-world';
import { pgBinDir, startPgCluster } from '../src/sim/pg-cluster';
import { startDaemon, stopDaemon } from './daemon-process';
import { ms, percentile, verdict } from './stats';

const WARMUP = 3000;
const ALERTS = 5000;

type IngestResult = { latencies: number[]; perSecond: number; errors: number };

/**
 * The durable ingest again with the journal on PostgreSQL (a throwaway cluster on loopback,
 * fsync on, as Debian ships it), printed beside the SQLite figures: the same daemon, load and
 * alerts. The SQLite daemon is stopped first; the PostgreSQL one gets a data directory of its own.
 */
export async function sharedJournalRows(
  sqliteDaemon: ChildProcess,
  world: SimWorld,
  dir: string,
  sqlite: IngestResult,
  ingest: (port: number, prefix: string, count: number) => Promise<IngestResult>,
): Promise<void> {
  if (!pgBinDir()) {
    console.log('ingest on PostgreSQL: skipped, PostgreSQL is not installed (scripts/setup.sh --tests installs it)');
    return;
  }
  await stopDaemon(sqliteDaemon);
  const cluster = await startPgCluster();
  let daemon: ChildProcess | undefined;
  try {
    const url = await cluster.createDatabase('bench');
    daemon = await startDaemon(world.envFile, world.storesFile, world.httpPort, {
      BRIDGE_JOURNAL_URL: url,
      BRIDGE_DATA_DIR: join(dir, 'data-pg'),
    });
    await ingest(world.httpPort, 'pg-warmup', WARMUP);
    const pg = await ingest(world.httpPort, 'pg-ingest', ALERTS);
    const row = (what: string, r: IngestResult) =>
      console.log(
        `${what.padEnd(40)} ${`${r.perSecond.toFixed(0)} alerts/s`.padEnd(16)} ack p50 ${ms(percentile(r.latencies, 50))}, p99 ${ms(percentile(r.latencies, 99))}${r.errors ? `, ${r.errors} errors` : ''}`,
      );
    console.log(`durable ingest, ${ALERTS} alerts at 32 in flight, by journal:`);
    row('  SQLite (embedded, WAL, synchronous=FULL)', sqlite);
    row('  PostgreSQL (loopback, fsync on)', pg);
    const ratio = pg.perSecond / sqlite.perSecond;
    console.log(`  PostgreSQL at ${ratio.toFixed(2)}x SQLite's ${verdict(ratio >= 0.8)} target >= 0.8x`);
  } finally {
    if (daemon) await stopDaemon(daemon);
    await cluster.stop();
  }
}
