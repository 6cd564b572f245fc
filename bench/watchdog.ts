import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { SimWorld } from '../src/sim/sim-world';
import { scrapeMetrics, startDaemon, stopDaemon, watchChildren } from './daemon-process';

const SECONDS = 10;

/**
 * The systemd watchdog: `systemd-notify` every 15 s under the unit's WatchdogSec=30, started by
 * the daemon's process helper (forked from the daemon itself, each start held its event loop
 * 4.6 ms on average, up to 20 ms). A daemon of its own pings every 0.5 s here (WATCHDOG_USEC=1 s)
 * for SECONDS, to a socket nobody listens on (the bench has no systemd: each notification still
 * starts the program, which then fails): how long each held the daemon's event loop (its own
 * histogram), and the processes the daemon started itself. The bench's daemon is stopped first.
 */
export async function watchdogRows(benchDaemon: ChildProcess, world: SimWorld, dir: string): Promise<string[][]> {
  await stopDaemon(benchDaemon, { quiet: true });
  const daemon = await startDaemon(world.envFile, world.storesFile, world.httpPort, {
    BRIDGE_DATA_DIR: join(dir, 'data-watchdog'),
    NOTIFY_SOCKET: join(dir, 'no-systemd-here.sock'),
    WATCHDOG_USEC: '1000000',
    // Each failed notification is a warning: not this run's news.
    BRIDGE_LOG_LEVEL: 'error',
  });
  try {
    const children = watchChildren(daemon.pid as number);
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const started = children.stop();
    const m = await scrapeMetrics(world.httpPort);
    const count = m.value('veesion_bridge_systemd_notify_start_seconds_count');
    const sum = m.value('veesion_bridge_systemd_notify_start_seconds_sum');
    // The smallest bucket that holds every start: an upper bound on the longest.
    const all = m.series('veesion_bridge_systemd_notify_start_seconds_bucket', 'le').find(([, n]) => n === count)?.[0];
    return [
      [
        `systemd watchdog: notifications in ${SECONDS} s (0.5 s period here; the unit's is 15 s)`,
        `${count}, ${started.started} processes started by the daemon itself${started.names.length ? ` (${started.names.join(', ')})` : ''}`,
        `each held the event loop ${((sum / count) * 1000).toFixed(2)} ms on average, at most ${all === '+Inf' ? 'over 50' : Number(all) * 1000} ms`,
      ],
    ];
  } finally {
    await stopDaemon(daemon, { quiet: true });
  }
}
