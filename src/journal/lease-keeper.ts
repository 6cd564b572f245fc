import type { LeaseStore } from './leases';

export interface LeaseKeeperOptions {
  store: LeaseStore;
  /** This daemon: the holder name of its leases. */
  self: { id: string; host: string; pid: number; startedAt: number };
  /**
   * How long a lease lasts without renewal: a daemon that dies loses its leases this long after
   * its last renewal at the latest. Renewed every third of it.
   */
  ttlMs?: number;
  /** Hears each lease this daemon held and no longer does (lapsed, taken, or unreachable journal). */
  onLost?: (name: string, why: string) => void;
  onError?: (err: unknown) => void;
}

/**
 * 8 s: a dead daemon's leases lapse at most 8 s after its last renewal, and the others try to
 * take free leases every second, so its work is taken over within 10 s (issue 16).
 */
export const DEFAULT_LEASE_TTL_MS = 8_000;

/**
 * Keeps this daemon's leases: says it is alive and renews what it holds every ttl/3. When the
 * journal cannot be reached for a whole ttl, another daemon may have taken everything over, so
 * every lease counts as lost here too (fencing by time: the holder gives up before anyone else
 * may take over, since both count the same ttl from the last renewal).
 */
export class LeaseKeeper {
  private readonly held = new Set<string>();
  private readonly ttlMs: number;
  private timer: NodeJS.Timeout | undefined;
  private lastRenewed = 0;
  private stopped = false;

  constructor(private readonly opts: LeaseKeeperOptions) {
    this.ttlMs = opts.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  }

  get id(): string {
    return this.opts.self.id;
  }

  async start(): Promise<void> {
    await this.opts.store.heartbeat(this.opts.self);
    this.lastRenewed = Date.now();
    this.timer = setInterval(() => void this.tick(), Math.max(50, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  /** True if this daemon holds `name` now (taken now, or held and renewed). */
  async take(name: string): Promise<boolean> {
    if (this.stopped) return false;
    const ok = await this.opts.store.acquire(name, this.id, this.ttlMs);
    if (ok) this.held.add(name);
    return ok;
  }

  /** Takes what it can of `names`; returns those newly held (not held before this call). */
  async takeAll(names: readonly string[]): Promise<string[]> {
    if (this.stopped || names.length === 0) return [];
    const held = await this.opts.store.acquireAll(names, this.id, this.ttlMs);
    const fresh = held.filter((n) => !this.held.has(n));
    for (const n of held) this.held.add(n);
    return fresh;
  }

  /** The leases this daemon holds now. */
  get holding(): string[] {
    return [...this.held].sort();
  }

  holds(name: string): boolean {
    return this.held.has(name);
  }

  async release(name: string): Promise<void> {
    this.held.delete(name);
    await this.opts.store.release(name, this.id);
  }

  /** One renewal round (the timer's; tests call it to step). */
  async tick(): Promise<void> {
    if (this.stopped) return;
    const started = Date.now();
    try {
      await this.opts.store.heartbeat(this.opts.self);
      const still = new Set(await this.opts.store.renew(this.id, this.ttlMs));
      this.lastRenewed = started;
      for (const name of [...this.held]) {
        if (still.has(name)) continue;
        this.held.delete(name);
        this.opts.onLost?.(name, 'lapsed before it was renewed, or taken by another daemon');
      }
    } catch (err) {
      this.opts.onError?.(err);
      if (Date.now() - this.lastRenewed < this.ttlMs) return;
      for (const name of [...this.held]) {
        this.held.delete(name);
        this.opts.onLost?.(name, 'the journal could not be reached for a whole lease term');
      }
    }
  }

  /** Hands every lease back, so another daemon takes over at once rather than after the ttl. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.held.clear();
    await this.opts.store.leave(this.id).catch((err: unknown) => this.opts.onError?.(err));
  }
}
