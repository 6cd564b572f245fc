import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimWorld } from '../src/sim/sim-world';
import { pgBinDir, startPgCluster } from '../src/sim/pg-cluster';
import { cpuSeconds, startDaemon, stopDaemon } from './daemon-process';
import { ms, percentile, verdict } from './stats';

const WARMUP = 2000;
const ALERTS = 5000;
/** Rounds of one run on each journal, in alternating order: the machine's drift falls on both. */
const ROUNDS = 3;

type IngestResult = { latencies: number[]; perSecond: number; errors: number };
/** PostgreSQL's write-ahead log written during a run, per alert: what each alert costs its disk (and any replica). */
type Wal = { walPerAlert?: number };

/** The server's current write-ahead log position, in bytes. */
async function walPosition(url: string): Promise<bigint> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return BigInt(
      (await c.query<{ b: string }>("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS b")).rows[0]?.b ??
        '0',
    );
  } finally {
    await c.end();
  }
}
/** Cores used during a run: the daemon's, PostgreSQL's processes', the bench's (load and simulators). */
type Cores = { daemon: number; postgres: number; bench: number };

/**
 * CPU seconds of every `postgres` process on the machine so far: the bench's cluster's, and any
 * other's (run the bench alone for this figure to be PostgreSQL's share of the run).
 */
function postgresCpuSeconds(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') total += cpuSeconds(Number(pid));
    } catch {
      // exited while we looked
    }
  }
  return total;
}

/** `run` with the cores each party used meanwhile. */
async function measured(daemon: ChildProcess, run: () => Promise<IngestResult>): Promise<IngestResult & Cores> {
  const pid = daemon.pid as number;
  const before = {
    daemon: cpuSeconds(pid),
    postgres: postgresCpuSeconds(),
    bench: process.cpuUsage(),
    at: performance.now(),
  };
  const result = await run();
  const wall = (performance.now() - before.at) / 1000;
  const bench = process.cpuUsage(before.bench);
  return {
    ...result,
    daemon: (cpuSeconds(pid) - before.daemon) / wall,
    postgres: (postgresCpuSeconds() - before.postgres) / wall,
    bench: (bench.user + bench.system) / 1e6 / wall,
  };
}

/**
 * The durable ingest on SQLite and on PostgreSQL (a throwaway cluster on loopback, fsync on, as
 * Debian ships it), side by side: the same daemon, load and alerts. One run of each is worth
 * little on a small shared machine (SQLite alone has swung from 1,000 to 2,300 alerts/s between
 * two runs a minute apart), so the two journals take turns, a fresh daemon each time (SQLite,
 * PostgreSQL, then PostgreSQL, SQLite, ...), and the medians are compared. The daemon the bench
 * started is stopped first.
 */
export async function sharedJournalRows(
  benchDaemon: ChildProcess,
  world: SimWorld,
  dir: string,
  ingest: (port: number, prefix: string, count: number) => Promise<IngestResult>,
): Promise<void> {
  if (!pgBinDir()) {
    console.log('ingest on PostgreSQL: skipped, PostgreSQL is not installed (scripts/setup.sh --tests installs it)');
    return;
  }
  await stopDaemon(benchDaemon);
  const cluster = await startPgCluster();
  try {
    // An empty journal each time: a daemon started on the last one's would first resume the
    // thousands of announcements it left queued, and the later runs would measure that too.
    const journals = {
      sqlite: async (round: number) => ({ BRIDGE_DATA_DIR: join(dir, `data-sqlite-${round}`) }),
      postgres: async (round: number) => ({
        BRIDGE_JOURNAL_URL: await cluster.createDatabase(`bench${round}`),
        BRIDGE_DATA_DIR: join(dir, `data-pg-${round}`),
      }),
    };
    const runs: Record<keyof typeof journals, (IngestResult & Cores & Wal)[]> = { sqlite: [], postgres: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order: (keyof typeof journals)[] = round % 2 === 0 ? ['sqlite', 'postgres'] : ['postgres', 'sqlite'];
      for (const journal of order) {
        const env: Record<string, string> = await journals[journal](round);
        const daemon = await startDaemon(world.envFile, world.storesFile, world.httpPort, env);
        try {
          await ingest(world.httpPort, `${journal}-warmup-${round}`, WARMUP);
          const url = env.BRIDGE_JOURNAL_URL;
          const wal = url === undefined ? undefined : await walPosition(url);
          const run = await measured(daemon, () => ingest(world.httpPort, `${journal}-ingest-${round}`, ALERTS));
          if (url !== undefined && wal !== undefined)
            runs[journal].push({ ...run, walPerAlert: Number((await walPosition(url)) - wal) / ALERTS });
          else runs[journal].push(run);
        } finally {
          await stopDaemon(daemon, { quiet: true });
        }
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const row = (what: string, rs: (IngestResult & Cores & Wal)[]) => {
      const latencies = rs.flatMap((r) => r.latencies);
      const errors = rs.reduce((n, r) => n + r.errors, 0);
      const cores = (k: keyof Cores) => `${(median(rs.map((r) => r[k])) * 100).toFixed(0)}%`;
      console.log(
        `${what.padEnd(40)} ${`${median(rs.map((r) => r.perSecond)).toFixed(0)} alerts/s`.padEnd(16)} ack p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}${errors ? `, ${errors} errors` : ''} (runs: ${rs.map((r) => r.perSecond.toFixed(0)).join(', ')}; a core's daemon ${cores('daemon')}, PostgreSQL ${cores('postgres')}, bench ${cores('bench')}${rs[0]?.walPerAlert === undefined ? '' : `; WAL ${median(rs.map((r) => r.walPerAlert ?? 0)).toFixed(0)} bytes per alert`})`,
      );
    };
    console.log(
      `durable ingest, ${ALERTS} alerts at 32 in flight, by journal (median of ${ROUNDS} runs each, taking turns):`,
    );
    row('  SQLite (embedded, WAL, synchronous=FULL)', runs.sqlite);
    row('  PostgreSQL (loopback, fsync on)', runs.postgres);
    const ratio = median(runs.postgres.map((r) => r.perSecond)) / median(runs.sqlite.map((r) => r.perSecond));
    console.log(`  PostgreSQL at ${ratio.toFixed(2)}x SQLite's ${verdict(ratio >= 0.8)} target >= 0.8x`);
  } finally {
    await cluster.stop();
  }
}
