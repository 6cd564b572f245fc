import type { StoreRoute } from '../alert';
import { DEFAULT_SUMMARY_TEXT } from '../announcer';
import { type Sentences, sentencesFor } from '../sentences';
import { LiveIncidents } from './live-incident';
import type { IncidentLoopDeps } from './loop-deps';

/**
 * What every part of the incident loop shares: its dependencies, the live incidents, whether it
 * is stopping, and the background work a stop waits for.
 */
export class LoopContext {
  readonly live: LiveIncidents;
  stopped = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(readonly deps: IncidentLoopDeps) {
    this.live = new LiveIncidents(deps.clock);
  }

  /** Whether this daemon does the incident work of conference `room` (always, on its own journal). */
  hears(room: string): boolean {
    return this.deps.owns?.(room) ?? true;
  }

  /** Background work: kept for stop(), and never an unhandled rejection (a journal error is reported). */
  track(work: Promise<void>): void {
    const safe = work.catch((err: unknown) => this.deps.onError?.(err));
    this.inFlight.add(safe);
    void safe.finally(() => this.inFlight.delete(safe));
  }

  /** The background work under way now (a stop waits for it). */
  underWay(): Promise<void>[] {
    return [...this.inFlight];
  }

  /** The store's sentences: its own, its language's, or the global templates. */
  sentences(store: StoreRoute | undefined): Sentences {
    return sentencesFor(store, {
      single: this.deps.alertText,
      many: this.deps.alertText,
      summary: this.deps.summaryText ?? DEFAULT_SUMMARY_TEXT,
      claimed: this.deps.claimedText,
      and: 'and',
    });
  }
}
