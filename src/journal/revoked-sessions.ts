import type { Db } from './sql/db';

/**
 * The console's signed-out sessions (and spent sign-in codes) in the journal the daemons share:
 * a session signed out on one daemon is refused by the others too. Whether one is signed out is
 * asked at each request, synchronously: each daemon keeps them in memory and reads them again
 * every second (a failed read keeps the last ones, logged once per outage). Its own sign-outs
 * count at once, whatever the next read says.
 */
export class JournalRevokedSessions {
  private shared = new Set<string>();
  /** Signed out here, until they would have expired. */
  private readonly here = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private reading = false;

  constructor(
    private readonly db: Db,
    private readonly onError: (err: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {}

  has(id: string): boolean {
    return this.here.has(id) || this.shared.has(id);
  }

  add(id: string, until: number): void {
    this.here.set(id, until);
    this.db
      .run(
        `INSERT INTO console_revoked (id, until) VALUES (?, ?)
         ON CONFLICT (id) DO UPDATE SET until = excluded.until`,
        [id, until],
      )
      .catch((err: unknown) => this.onError(err));
  }

  async refresh(): Promise<void> {
    const now = this.now();
    const rows = await this.db.all<{ id: string }>('SELECT id FROM console_revoked WHERE until >= ?', [now]);
    this.shared = new Set(rows.map((r) => r.id));
    for (const [id, until] of this.here) if (until < now) this.here.delete(id);
  }

  async start(everyMs = 1000): Promise<void> {
    await this.refresh().catch((err: unknown) => this.onError(err));
    this.timer = setInterval(() => {
      // One read at a time: a slow server must not fill the pool the commits and leases use.
      if (this.reading) return;
      this.reading = true;
      this.refresh()
        .then(
          () => {
            this.failing = false;
          },
          (err: unknown) => {
            if (!this.failing) this.onError(err);
            this.failing = true;
          },
        )
        .finally(() => {
          this.reading = false;
        });
    }, everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
