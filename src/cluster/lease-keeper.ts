import type { LeaseStore } from './leases';
import { outlasts } from '../area';

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
 * 8 s: a dead daemon's leases lapse at most 8 s after its last renewal; the others take a
 * lapsed lease after a further second (LEASE_GRACE_MS) and look every second, so its work is
 * taken over within 10 s.
 */
export const DEFAULT_LEASE_TTL_MS = 8_000;
/** The holder stops counting on a lease this long before it would lapse (a quarter of shorter terms). */
export const LEASE_MARGIN_MS = 1_000;

/**
 * Keeps this daemon's leases: says it is alive and renews what it holds every ttl/3. A lease
 * counts as held only until a margin before it would lapse, counted from when the last renewal
 * was asked (the journal's term starts no earlier): a journal that cannot be reached or does not
 * answer makes this daemon give the lease up before the others may take it (fencing by time).
 */
export class LeaseKeeper {
  /** Each lease held, and until when this daemon may count on it (a margin before it lapses). */
  private readonly held = new Map<string, number>();
  private readonly ttlMs: number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Renewals and takes one after another: a renewal never misses a lease taken beside it. */
  private chain: Promise<unknown> = Promise.resolve();
  private ticking = false;

  constructor(private readonly opts: LeaseKeeperOptions) {
    this.ttlMs = opts.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  }

  get id(): string {
    return this.opts.self.id;
  }

  async start(): Promise<void> {
    await this.opts.store.heartbeat(this.opts.self);
    this.timer = setInterval(
      () => {
        this.expire();
        // A renewal still waiting on the journal is not doubled; its leases run out meanwhile.
        if (!this.ticking) void this.tick();
      },
      Math.max(50, Math.floor(this.ttlMs / 3)),
    );
    this.timer.unref();
  }

  /** True if this daemon holds `name` now (taken now, or held and renewed). */
  async take(name: string): Promise<boolean> {
    return (await this.takeAll([name])).length > 0 || this.holds(name);
  }

  /** Takes what it can of `names`; returns those newly held (not held before this call). */
  takeAll(names: readonly string[]): Promise<string[]> {
    return this.serial(async () => {
      if (this.stopped || names.length === 0) return [];
      const asked = Date.now();
      const held = await this.opts.store.acquireAll(names, this.id, this.ttlMs);
      const fresh = held.filter((n) => !this.holds(n));
      for (const n of held) this.held.set(n, this.validUntil(asked));
      return fresh;
    });
  }

  /**
   * Whether this daemon may act on `name` now: held, and not within a second of when it would
   * lapse unrenewed. The others take a lapsed lease only a second after it lapsed (the store's
   * grace), so the two never both act on it, whatever a stalled journal does to renewals.
   */
  holds(name: string): boolean {
    const until = this.held.get(name);
    return until !== undefined && Date.now() < until;
  }

  /** One renewal round (the timer's; tests call it to step). */
  tick(): Promise<void> {
    this.ticking = true;
    return this.serial(async () => {
      if (this.stopped) return;
      const asked = Date.now();
      try {
        await this.opts.store.heartbeat(this.opts.self);
        const still = new Set(await this.opts.store.renew(this.id, this.ttlMs));
        for (const name of [...this.held.keys()]) {
          if (still.has(name)) this.held.set(name, this.validUntil(asked));
          else this.drop(name, 'lapsed before it was renewed, or taken by another daemon');
        }
      } catch (err) {
        this.opts.onError?.(err);
        this.expire();
      }
    }).finally(() => {
      this.ticking = false;
    });
  }

  /** Leases past the point this daemon may count on them are dropped (the journal did not renew them). */
  private expire(): void {
    for (const name of [...this.held.keys()]) {
      if (!this.holds(name)) this.drop(name, 'not renewed in time: the journal could not be reached or did not answer');
    }
  }

  private drop(name: string, why: string): void {
    if (!this.held.delete(name)) return;
    this.opts.onLost?.(name, why);
  }

  /** A renewal or take asked at `asked` lasts, on the journal, until at least asked + ttl. */
  private validUntil(asked: number): number {
    return asked + this.ttlMs - Math.min(LEASE_MARGIN_MS, this.ttlMs / 4);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Hands every lease back, so another daemon takes over at once rather than after the ttl. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.held.clear();
    // After a renewal under way, or its heartbeat would put this daemon back on the list; but not
    // behind one the journal never answers (then at once, and the others take over on time anyway).
    const leave = () => this.opts.store.leave(this.id);
    const queued = this.serial(leave).catch((err: unknown) => this.opts.onError?.(err));
    if (await outlasts(queued, 2_000)) await leave().catch((err: unknown) => this.opts.onError?.(err));
  }
}
