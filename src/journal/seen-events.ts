import type { Awaitable } from '../pipeline/incident';

/** Wildix event ids seen: an event retried by the PBX is acted on once. */
export interface SeenEvents {
  firstSeen(id: string, type: string, at: number): Awaitable<boolean>;
  forget(id: string): Awaitable<void>;
}
