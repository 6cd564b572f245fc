/**
 * What a Wildix conference is called, learned from its `conference:live:progress` events (id
 * and subject), for the joins that name their conference by id alone. A join that comes before
 * any progress event of its conference is held until one does, for at most `holdMs`; memory is
 * bounded both ways (the oldest subject and the oldest held join go first).
 */
export class ConferenceSubjects<T> {
  private readonly subjects = new Map<string, string>();
  private held: { id: string; join: T; until: number }[] = [];
  private readonly holdMs: number;
  private readonly maxHeld: number;
  private readonly maxKnown: number;

  constructor(opts: { holdMs?: number; maxHeld?: number; maxKnown?: number } = {}) {
    this.holdMs = opts.holdMs ?? 60_000;
    this.maxHeld = opts.maxHeld ?? 200;
    this.maxKnown = opts.maxKnown ?? 1_000;
  }

  subjectOf(id: string): string | undefined {
    return this.subjects.get(id);
  }

  /** Remembers a conference's subject; hands back the joins held for it, oldest first. */
  learn(id: string, subject: string): T[] {
    this.subjects.delete(id); // most recent last: the oldest is the first to go
    this.subjects.set(id, subject);
    while (this.subjects.size > this.maxKnown) this.subjects.delete(this.subjects.keys().next().value as string);
    const released = this.held.filter((h) => h.id === id).map((h) => h.join);
    if (released.length > 0) this.held = this.held.filter((h) => h.id !== id);
    return released;
  }

  /** Holds a join of a conference not known yet; hands back those pushed out to keep the bound. */
  hold(id: string, join: T, now: number): T[] {
    this.held.push({ id, join, until: now + this.holdMs });
    return this.held.length > this.maxHeld
      ? this.held.splice(0, this.held.length - this.maxHeld).map((h) => h.join)
      : [];
  }

  /** Lets go of the joins held past their time; hands them back. */
  expire(now: number): T[] {
    if (!this.held.some((h) => h.until <= now)) return [];
    const gone = this.held.filter((h) => h.until <= now).map((h) => h.join);
    this.held = this.held.filter((h) => h.until > now);
    return gone;
  }

  get heldCount(): number {
    return this.held.length;
  }
}
