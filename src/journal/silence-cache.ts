import { readEvery } from './periodic-read';
import type { Db } from './sql/db';

/**
 * Silences (`veesion-bridge silence`) on a journal the daemons share. Whether a store is muted is
 * asked at each announcement, synchronously: each daemon keeps the running silences in memory
 * and reads them again every second (and a failed read keeps the last ones, logged). This
 * host's SQLite journal is asked directly instead.
 */
export class SilenceCache {
  private until = new Map<string, number>();
  private stopReading: (() => void) | undefined;

  constructor(
    private readonly db: Db,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Until when the store's announcements are muted, if they are at `now`. */
  silencedUntil(storeId: string, now: number): number | undefined {
    const until = this.until.get(storeId);
    return until !== undefined && until > now ? until : undefined;
  }

  async refresh(now = Date.now()): Promise<void> {
    const rows = await this.db.all<{ store_id: string; until: number }>(
      'SELECT store_id, until FROM silences WHERE until > ?',
      [now],
    );
    this.until = new Map(rows.map((row) => [row.store_id, Number(row.until)]));
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
