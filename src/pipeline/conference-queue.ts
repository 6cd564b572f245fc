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
    // The key is taken before the task starts (a run() the task makes on the same key waits its
    // turn), and given back once the task and its release are over, failed or not.
    let done: () => void = () => undefined;
    const mine = new Promise<void>((resolve) => (done = resolve));
    this.tails.set(key, mine);
    // A free key starts its task at once, not a turn of the event loop later: an announcement
    // into a quiet conference is placed before anything queued meanwhile runs.
    const result = previous ? previous.then(task) : new Promise<Held<T>>((resolve) => resolve(task()));
    const over = () => {
      done();
      if (this.tails.get(key) === mine) this.tails.delete(key);
    };
    void result.then((held) => held.release).then(over, over);
    return result.then((held) => held.value);
  }
}
