import { Worker } from 'node:worker_threads';

/**
 * Runs SQLite WAL checkpoints on a worker thread with its own connection. The writer turns
 * auto-checkpointing off, so no commit (and no acknowledgement) ever waits for the database
 * file to be rewritten and fsynced; PASSIVE checkpoints never block the writer. It checkpoints
 * `intervalMs` after the WAL changed, and looks less and less often while it does not.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
// fileMustExist: a worker that starts late must never create an empty journal where a deleted one was.
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
const { statSync } = require('node:fs');
// The WAL as last seen: a checkpoint runs when it changed since, and the wait between looks
// doubles while it does not (up to maxIdleMs), so an idle journal wakes this thread seldom.
let seen = '';
let wait = workerData.intervalMs;
let timer;
const look = () => {
  let now = '';
  try {
    const st = statSync(workerData.file + '-wal');
    now = st.size + ':' + st.mtimeMs;
  } catch {
    // no WAL yet (or gone): nothing to checkpoint
  }
  if (now !== '' && now !== seen) {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (err) {
      parentPort.postMessage({ error: String(err && err.message || err) });
    }
    // Read again after the checkpoint: its own write to the WAL's header is not news.
    try {
      const st = statSync(workerData.file + '-wal');
      seen = st.size + ':' + st.mtimeMs;
    } catch {
      seen = '';
    }
    wait = workerData.intervalMs;
  } else {
    wait = Math.min(wait * 2, workerData.maxIdleMs);
  }
  timer = setTimeout(look, wait);
};
timer = setTimeout(look, wait);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
`;

/** The longest wait between two looks at an unchanged WAL. */
const MAX_IDLE_MS = 8_000;

export class WalCheckpointer {
  private worker: Worker | undefined;
  /** The worker ended on its own (e.g. its journal was gone): nothing to wait for at stop. */
  private exited = false;

  constructor(
    private readonly file: string,
    private readonly intervalMs: number,
    private readonly onError: (message: string) => void,
  ) {}

  start(): void {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // It only issues a pragma a second: keep its V8 heap (and the daemon's RSS) small.
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8, codeRangeSizeMb: 2, stackSizeMb: 1 },
      workerData: {
        file: this.file,
        intervalMs: this.intervalMs,
        maxIdleMs: MAX_IDLE_MS,
        module: require.resolve('better-sqlite3'),
      },
    });
    this.worker.on('message', (m: { error?: string }) => m.error && this.onError(m.error));
    this.worker.on('error', (err: unknown) => this.onError(err instanceof Error ? err.message : String(err)));
    this.worker.once('exit', () => (this.exited = true));
    this.worker.unref();
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // Held while it stops: an unref'd worker and timer leave the event loop empty, and the
    // process would end mid-stop, before the journal is closed and the 'stopped' line logged.
    worker.ref();
    worker.postMessage('stop');
    // Not unref'd: this wait must keep the process alive until the worker is gone.
    let cap: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((r) => (cap = setTimeout(r, 2000)))]);
    clearTimeout(cap);
    await worker.terminate();
  }
}
