import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ms, percentile } from './stats';

const EVERY_MS = 50;
const BYTES = 4096;

/**
 * The disk's own sync latency while a run goes on: a 4 KiB page rewritten and fdatasync'ed every
 * 50 ms in `dir` (the file system the daemon's journal is on), off the bench's event loop. A
 * durable acknowledgement waits for such a sync (SQLite's, of its write-ahead log), so its tail
 * bounds the acknowledgements' tail whatever the daemon does.
 */
export async function startDiskProbe(dir: string): Promise<{ stop(): Promise<string> }> {
  const file = await open(join(dir, 'disk-probe'), 'w');
  const page = Buffer.alloc(BYTES, 1);
  const syncs: number[] = [];
  let stopped = false;
  const running = (async () => {
    while (!stopped) {
      const t0 = performance.now();
      await file.write(page, 0, BYTES, 0);
      await file.datasync();
      syncs.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, EVERY_MS));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await running;
      await file.close();
      const slow = syncs.filter((s) => s > 20).length;
      return `${syncs.length} syncs, p50 ${ms(percentile(syncs, 50))}, p99 ${ms(percentile(syncs, 99))}, max ${ms(Math.max(...syncs))}; over 20 ms: ${slow}`;
    },
  };
}
