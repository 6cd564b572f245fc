import type { Clock } from './ports';

/**
 * Spaces calls to at most `perSecond`, in arrival order. Used for chat posts: during a burst
 * they drain at a pace the x-bees API accepts, and acknowledgements keep the CPU.
 */
export class RateLimiter {
  private nextFree = 0;
  private readonly waiting = new Set<{ cancel(): void; resolve(): void }>();

  constructor(
    private readonly perSecond: number,
    private readonly clock: Clock,
  ) {}

  /** Resolves when the caller may go (or at once, after releaseAll). */
  acquire(): Promise<void> {
    const now = this.clock.now();
    const at = Math.max(now, this.nextFree);
    this.nextFree = at + 1000 / this.perSecond;
    if (at <= now) return Promise.resolve();
    return new Promise((resolve) => {
      const entry: { resolve(): void; cancel(): void } = { resolve, cancel: () => undefined };
      const timer = this.clock.setTimeout(() => {
        this.waiting.delete(entry);
        resolve();
      }, at - now);
      entry.cancel = () => timer.cancel();
      this.waiting.add(entry);
    });
  }

  /** Lets every waiter go now (at stop: they see the pipeline stopping and bail out). */
  releaseAll(): void {
    for (const w of this.waiting) {
      w.cancel();
      w.resolve();
    }
    this.waiting.clear();
  }
}
