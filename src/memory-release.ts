import type { Area } from './area';
import type { Logger } from './log/logger';

/** The garbage collector as V8 exposes it under --expose-gc, with the options this file uses. */
type Gc = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/** How long without any step moving before a burst's memory is given back. */
export const QUIET_MS = 20_000;
/** How often that is looked at: rarely, so an idle daemon stays asleep. */
export const CHECK_MS = 5_000;
/** A collection longer than this is logged at info. */
const SLOW_MS = 100;

/**
 * Gives the host back the memory a burst of alerts left behind. Under load V8 grows its heap,
 * and the pages it frees afterwards stay in its pool for reuse: 160 MB still held after 10,000
 * alerts and 40 s of quiet, its own memory reducer never running. Once steps have moved and then
 * nothing has for QUIET_MS, one last-resort collection (V8's, as under memory pressure) returns
 * the pool to the system, on a daemon with nothing to do (76 ms on a 26 MB heap where it was
 * timed; a longer one is logged at info). Needs --expose-gc
 * (the systemd unit sets it); without it nothing is done.
 */
export class MemoryReleaseArea implements Area {
  readonly name = 'memory';
  private timer: NodeJS.Timeout | undefined;
  private moved = 0;
  private seen = 0;
  private lastMove = 0;
  private released = true;

  constructor(
    /** Tells this area each time a step moves (the pipeline's step events). */
    onActivity: (listener: () => void) => void,
    private readonly log: Logger,
    private readonly gc: Gc | undefined = (globalThis as { gc?: Gc }).gc,
    private readonly now: () => number = Date.now,
  ) {
    onActivity(() => this.moved++);
  }

  start(): void {
    // Not after the start itself: an idle heap has nothing pooled to give back (measured), and
    // the collection would cost the idle daemon 0.1-0.3 s of CPU.
    if (!this.gc) return;
    this.timer = setInterval(() => this.check(), CHECK_MS);
    this.timer.unref();
  }

  drain(): void {}

  stop(): void {
    clearInterval(this.timer);
  }

  /** One look (the timer's, or a test's): true when the memory was given back now. */
  check(): boolean {
    if (this.moved !== this.seen) {
      this.seen = this.moved;
      this.lastMove = this.now();
      this.released = false;
      return false;
    }
    if (this.released || !this.gc || this.now() - this.lastMove < QUIET_MS) return false;
    this.released = true;
    const before = process.memoryUsage.rss();
    const started = performance.now();
    this.gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    const durationMs = Math.round(performance.now() - started);
    const fields = {
      rssBeforeMb: Math.round(before / 2 ** 20),
      rssAfterMb: Math.round(process.memoryUsage.rss() / 2 ** 20),
      durationMs,
    };
    // It holds the event loop: a long one is worth knowing about.
    if (durationMs > SLOW_MS) this.log.info('memory given back after a burst (slow)', fields);
    else this.log.debug('memory given back after a burst', fields);
    return true;
  }
}
