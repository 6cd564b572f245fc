/** Failed attempts a key (an address, a user name) may make per window before it must wait, by default. */
const MAX_FAILURES = 5;
const WINDOW_MS = 5 * 60_000;
const MAX_ADDRESSES = 10_000;

/**
 * Wrong admin tokens per address, wherever they are presented (the console's sign-in, or
 * `Authorization: Bearer` on an admin route): after five within five minutes the address waits.
 * Keyed on the client's address (see client-address.ts): behind a proxy not named in
 * BRIDGE_TRUSTED_PROXIES, that is the proxy's, which every user shares.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly now: () => number = Date.now,
    /** Failures allowed per key in the window before it must wait. */
    private readonly maxFailures = MAX_FAILURES,
  ) {}

  /** Seconds this address must wait before trying again, or 0. */
  blockedFor(address: string): number {
    const recent = this.recent(address);
    if (recent.length < this.maxFailures) return 0;
    return Math.max(1, Math.ceil(((recent[0] as number) + WINDOW_MS - this.now()) / 1000));
  }

  failed(address: string): void {
    const recent = this.recent(address);
    recent.push(this.now());
    this.failures.delete(address);
    this.failures.set(address, recent);
    if (this.failures.size > MAX_ADDRESSES) this.failures.delete(this.failures.keys().next().value as string);
  }

  private recent(address: string): number[] {
    return (this.failures.get(address) ?? []).filter((t) => t > this.now() - WINDOW_MS);
  }
}
