import http from 'node:http';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { SimWorld } from '../src/sim/sim-world';
import { rssMb, startDaemon, stopDaemon } from './daemon-process';
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

/** The daemon's own heap figures from /metrics (prom-client's defaults), to tell a heap that grows from memory held outside it. */
async function heapFigures(port: number): Promise<string> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const mb = (name: string) =>
      Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
    return `, heap used ${mb('veesion_bridge_nodejs_heap_size_used_bytes').toFixed(1)} of ${mb('veesion_bridge_nodejs_heap_size_total_bytes').toFixed(1)} MB, external ${mb('veesion_bridge_nodejs_external_memory_bytes').toFixed(1)} MB, steps waiting ${[...text.matchAll(/^veesion_bridge_steps_waiting\{step="(\w+)"\} (\d+)$/gm)].map((m) => `${m[1]} ${m[2]}`).join(', ')}`;
  } catch {
    return '';
  }
}

/**
 * Memory over a long run: TOTAL alerts at RATE a second to a fresh daemon (announced to the
 * simulator's conferences, posted to its chat), its RSS after the first FIRST and at the end.
 * Flat means nothing kept per alert outlives the alert's work. The daemon the bench started is
 * stopped first.
 */
export async function memoryRows(benchDaemon: ChildProcess, world: SimWorld, dir: string): Promise<string[][]> {
  await stopDaemon(benchDaemon);
  const daemon = await startDaemon(world.envFile, world.storesFile, world.httpPort, {
    BRIDGE_DATA_DIR: join(dir, 'data-memory'),
    BRIDGE_CHAT_POSTS_PER_S: CHAT_PER_S,
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  try {
    const pid = daemon.pid as number;
    let acked = 0;
    let failed = 0;
    let inFlight = 0;
    let rssFirst = 0;
    const t0 = performance.now();
    let sent = 0;
    let lastShown = 0;
    while (sent < TOTAL) {
      const due = Math.min(TOTAL, Math.floor(((performance.now() - t0) / 1000) * RATE) + 1);
      for (; sent < due; sent++) {
        inFlight++;
        const i = sent;
        postAlert(
          world.httpPort,
          world.hookToken,
          { alert_uuid: `mem-${i}`, location: `s${i % 20}`, cameraId: 'cached' },
          agent,
        )
          .then(
            (res) => (res.status === 200 ? acked++ : failed++),
            () => failed++,
          )
          .finally(() => inFlight--);
      }
      if (!rssFirst && acked >= FIRST) rssFirst = rssMb(pid);
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
    const seconds = (performance.now() - t0) / 1000;
    const rssEnd = rssMb(pid);
    return [
      [
        `memory: ${TOTAL} alerts at ${RATE}/s (${acked} acked, ${failed} refused or failed, ${seconds.toFixed(0)} s): daemon RSS after ${FIRST} / at the end`,
        `${rssFirst.toFixed(1)} / ${rssEnd.toFixed(1)} MB`,
        `${verdict(failed === 0 && rssEnd - rssFirst <= 15)} target within +15 MB (${(rssEnd - rssFirst).toFixed(1)} MB)`,
      ],
    ];
  } finally {
    agent.destroy();
    await stopDaemon(daemon);
  }
}
