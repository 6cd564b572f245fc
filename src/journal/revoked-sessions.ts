import { readEvery } from './periodic-read';
import type { Db } from './sql/db';

/**
 * The console's signed-out sessions and spent sign-in codes, on either journal. `has` is asked at
 * each request, synchronously; `add` resolves once the journal holds the id (it rejects when the
 * write fails, so nobody is told "signed out" or let in on a code the other daemons do not know
 * of), to true when this call added it and false when it was there already: the database
 * decides, so a sign-in code is spent once even when several daemons are handed it at once.
 */
export interface RevokedSessions {
  has(id: string): boolean;
  add(id: string, until: number): Promise<boolean>;
}

/**
 * The console's signed-out sessions (and spent sign-in codes) in the journal the daemons share:
 * a session signed out on one daemon is refused by the others too. Whether one is signed out is
 * asked at each request, synchronously: each daemon keeps them in memory and reads them again
 * every second (a failed read keeps the last ones, logged once per outage). Its own sign-outs
 * count as soon as the journal has them, whatever the next read says.
 */
export class JournalRevokedSessions implements RevokedSessions {
  private shared = new Set<string>();
  /** Signed out here, until they would have expired. */
  private readonly here = new Map<string, number>();
  private stopReading: (() => void) | undefined;

  constructor(
    private readonly db: Db,
    /** A failed read, or a failed write (then rejected to the caller too). */
    private readonly onError: (err: unknown, failed?: 'write') => void,
    private readonly now: () => number = Date.now,
  ) {}

  has(id: string): boolean {
    return this.here.has(id) || this.shared.has(id);
  }

  async add(id: string, until: number): Promise<boolean> {
    let added: number;
    try {
      // An id is signed out until one moment only (its session's or its code's expiry): an id
      // already there is left as it is, and the rows changed say who spent it.
      added = await this.db.run('INSERT INTO console_revoked (id, until) VALUES (?, ?) ON CONFLICT (id) DO NOTHING', [
        id,
        until,
      ]);
    } catch (err) {
      this.onError(err, 'write');
      throw err;
    }
    this.here.set(id, until);
    return added > 0;
  }

  async refresh(): Promise<void> {
    const now = this.now();
    const rows = await this.db.all<{ id: string }>('SELECT id FROM console_revoked WHERE until >= ?', [now]);
    this.shared = new Set(rows.map((r) => r.id));
    for (const [id, until] of this.here) if (until < now) this.here.delete(id);
  }

  async start(everyMs = 1000): Promise<void> {
    await this.refresh().catch((err: unknown) => this.onError(err));
    this.stopReading = readEvery(
      () => this.refresh(),
      (err) => this.onError(err),
      everyMs,
    );
  }

  stop(): void {
    this.stopReading?.();
  }
}
