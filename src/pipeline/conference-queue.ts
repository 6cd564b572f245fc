/** What a queued task gives back: its value, and when the key is free again (default: now). */
export interface Held<T> {
  value: T;
  release?: Promise<void>;
}

/**
 * One task at a time per key (an audio conference), in arrival order, so two announcements
 * never talk over each other. A task can keep its key after it resolves (`release`: while the
 * audio plays). A failing task does not block the ones behind it.
 */
export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<Held<T>>): Promise<T> {
    const previous = this.tails.get(key);
    // A free key starts its task at once, not a turn of the event loop later: an announcement
    // into a quiet conference is placed before anything queued meanwhile runs.
    const result = previous ? previous.then(task) : new Promise<Held<T>>((resolve) => resolve(task()));
    const tail = result.then(
      (held) => held.release,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result.then((held) => held.value);
  }
}
