import http from 'node:http';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { SimWorld } from '../src/sim/sim-world';
import { rssMb, rssParts, scrapeMetrics, startDaemon, stopDaemon } from './daemon-process';
import { postAlert } from './post-alert';
import { verdict } from './stats';

const TOTAL = Number(process.env.BENCH_MEMORY_ALERTS ?? 100_000);
const FIRST = Math.min(10_000, TOTAL);
/**
 * Offered within what the daemon sustains, acknowledgements and chat posts alike (at 800 a second
 * the chat posts fell behind by thousands, and each waiting one is memory): a steady state, not
 * a backlog. BENCH_MEMORY_RATE and BENCH_MEMORY_ALERTS change it.
 */
const RATE = Number(process.env.BENCH_MEMORY_RATE ?? 400);
/** The chat posts keep up with the alerts (at 20 a second, the default, they would queue by the thousand). */
const CHAT_PER_S = '1000';

/** The daemon's own heap figures and waiting steps, to tell a heap that grows from memory held outside it. */
async function heapFigures(port: number): Promise<string> {
  try {
    const m = await scrapeMetrics(port);
    const mb = (name: string) => (m.value(`veesion_bridge_nodejs_${name}`) / 2 ** 20).toFixed(1);
    const steps = m.series('veesion_bridge_steps_waiting', 'step').map(([step, n]) => `${step} ${n}`);
    return `, heap used ${mb('heap_size_used_bytes')} of ${mb('heap_size_total_bytes')} MB, external ${mb('external_memory_bytes')} MB, steps waiting ${steps.join(', ')}`;
  } catch {
    return '';
  }
}

/** Steps not finished yet, from /metrics (undefined when it could not be read). */
async function stepsWaiting(port: number): Promise<number | undefined> {
  try {
    return (await scrapeMetrics(port)).series('veesion_bridge_steps_waiting', 'step').reduce((n, [, v]) => n + v, 0);
  } catch {
    return undefined;
  }
}

/**
 * How long the daemon is left alone once its work is done, before its RSS is read: past the
 * quiet time after which it gives a burst's memory back (20 s, looked at every 5 s).
 */
const QUIET_MS = Number(process.env.BENCH_MEMORY_QUIET_S ?? 30) * 1000;

/**
 * Memory over a long run: TOTAL alerts at RATE a second to a fresh daemon (announced to the
 * simulator's conferences, posted to its chat). Its RSS is read twice in the same state: once
 * the first FIRST alerts' work is done and it has been quiet for QUIET_MS, and again after all
 * TOTAL. Flat means nothing kept per alert outlives the alert's work. While alerts flow, RSS
 * also holds the alerts waiting (a camera's alerts merge for the storm window) and the garbage
 * V8 has not collected yet: the peak is printed beside. The daemon the bench started is stopped first.
 */
export async function memoryRows(benchDaemon: ChildProcess, world: SimWorld, dir: string): Promise<string[][]> {
  await stopDaemon(benchDaemon);
  const daemon = await startDaemon(world.envFile, world.storesFile, world.httpPort, {
    BRIDGE_DATA_DIR: join(dir, 'data-memory'),
    BRIDGE_CHAT_POSTS_PER_S: CHAT_PER_S,
  });
  // Idle sockets are let go after 4 s, before the daemon's 5 s keep-alive ends them: a post on a
  // socket the server is closing meanwhile gets ECONNRESET (the sender's race, not the daemon's).
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 4_000 });
  const pid = daemon.pid as number;
  let acked = 0;
  let failed = 0;
  let peak = 0;
  const why = new Map<string, number>();
  const failedAs = (reason: string) => {
    failed++;
    why.set(reason, (why.get(reason) ?? 0) + 1);
  };
  /** Sends alerts [from, to) at RATE a second; resolves once every one is answered. */
  const send = async (from: number, to: number) => {
    let inFlight = 0;
    const t0 = performance.now();
    let sent = from;
    let lastShown = from;
    while (sent < to) {
      const due = Math.min(to, from + Math.floor(((performance.now() - t0) / 1000) * RATE) + 1);
      for (; sent < due; sent++) {
        inFlight++;
        postAlert(
          world.httpPort,
          world.hookToken,
          { alert_uuid: `mem-${sent}`, location: `s${sent % 20}`, cameraId: 'cached' },
          agent,
        )
          .then(
            (res) => (res.status === 200 ? acked++ : failedAs(`HTTP ${res.status}`)),
            (e: Error) => failedAs(e.message),
          )
          .finally(() => inFlight--);
      }
      peak = Math.max(peak, rssMb(pid));
      if (sent - lastShown >= 10_000) {
        lastShown = sent;
        const heap = await heapFigures(world.httpPort);
        process.stderr.write(
          `memory run: ${sent} of ${TOTAL} alerts sent, ${inFlight} unanswered, daemon RSS ${rssMb(pid).toFixed(1)} MB${heap}\n`,
        );
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    while (inFlight > 0) await new Promise((r) => setTimeout(r, 10));
  };
  /** Waits until every step is finished (at most 2 minutes), then QUIET_MS, and reads RSS. */
  const settled = async () => {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && (await stepsWaiting(world.httpPort)) !== 0) {
      peak = Math.max(peak, rssMb(pid));
      await new Promise((r) => setTimeout(r, 500));
    }
    await new Promise((r) => setTimeout(r, QUIET_MS));
    const parts = rssParts(pid);
    const heap = await heapFigures(world.httpPort);
    process.stderr.write(
      `memory run: settled, daemon RSS ${rssMb(pid).toFixed(1)} MB: V8 pages ${parts.v8Pages.toFixed(1)}, malloc main arena ${parts.mainArena.toFixed(1)}, other anonymous ${parts.otherAnon.toFixed(1)}, files ${parts.files.toFixed(1)}${heap}\n`,
    );
    return { rss: rssMb(pid), waiting: await stepsWaiting(world.httpPort) };
  };
  try {
    const t0 = performance.now();
    await send(0, FIRST);
    const first = await settled();
    await send(FIRST, TOTAL);
    const end = await settled();
    const seconds = (performance.now() - t0) / 1000;
    if (failed > 0) console.log(`memory run: not acknowledged: ${[...why].map(([w, n]) => `${n} ${w}`).join(', ')}`);
    const done =
      first.waiting === 0 && end.waiting === 0 ? '' : `, steps still waiting: ${first.waiting} / ${end.waiting}`;
    return [
      [
        `memory: ${TOTAL} alerts at ${RATE}/s (${acked} acked, ${failed} refused or failed${done}, ${seconds.toFixed(0)} s): daemon RSS, work done and ${QUIET_MS / 1000} s quiet, after ${FIRST} / after all (peak while sending)`,
        `${first.rss.toFixed(1)} / ${end.rss.toFixed(1)} MB (${peak.toFixed(1)})`,
        `${verdict(failed === 0 && !done && end.rss - first.rss <= 15)} target within +15 MB (${(end.rss - first.rss).toFixed(1)} MB)`,
      ],
    ];
  } finally {
    agent.destroy();
    await stopDaemon(daemon);
  }
}
