import type { StepRecord } from '../pipeline/ports';

interface Queued {
  record: StepRecord;
  /** commitStep's caller, waiting for this record's commit. */
  waiter?: { resolve: () => void; reject: (e: unknown) => void };
  /** Already reported as failed once (a retry failing again is not news). */
  reported?: boolean;
}

/**
 * Step updates waiting for the journal's next commit, in the order they were made. One that
 * could not be written is not dropped: it goes back to the front and is written with a later
 * commit (a step's final state lost would leave it unfinished, and a rescan would run it again).
 * A commitStep record is not retried: its caller hears the failure and acts on it.
 */
export class StepQueue {
  private items: Queued[] = [];

  get length(): number {
    return this.items.length;
  }

  push(record: StepRecord): void {
    this.items.push({ record });
  }

  pushCommitted(record: StepRecord): Promise<void> {
    return new Promise((resolve, reject) => this.items.push({ record, waiter: { resolve, reject } }));
  }

  /** Everything queued, for one commit. */
  take(): Queued[] {
    const taken = this.items;
    this.items = [];
    return taken;
  }

  written(taken: readonly Queued[]): void {
    for (const q of taken) q.waiter?.resolve();
  }

  /**
   * The commit failed: waiters hear why, plain updates go back to the front (older than anything
   * queued since). Returns the records failing for the first time, for the log.
   */
  failed(taken: readonly Queued[], err: unknown, retry: boolean): StepRecord[] {
    for (const q of taken) q.waiter?.reject(err);
    const plain = taken.filter((q) => !q.waiter);
    // Not retried (the journal is closed or gone): every one is lost now, reported before or not.
    const news = plain.filter((q) => !retry || !q.reported).map((q) => q.record);
    for (const q of plain) q.reported = true;
    if (retry) this.items = [...plain, ...this.items];
    return news;
  }

  /** Plain updates waiting to be written again after a failed commit. */
  unwritten(): number {
    return this.items.filter((q) => q.reported).length;
  }
}
