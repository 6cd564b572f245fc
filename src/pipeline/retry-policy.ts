import type { StepName } from './alert';

export interface RetryPolicy {
  /** Delay before attempt n+1 (index 0 is the first attempt). */
  delaysMs: readonly number[];
  /** An announcement is useless after this long from receipt; undefined: no deadline. */
  deadlineMs?: number;
}

export const DEFAULT_POLICIES: Record<StepName, RetryPolicy> = {
  announce: { delaysMs: [0, 2_000, 5_000, 15_000, 30_000, 60_000], deadlineMs: 120_000 },
  chat: { delaysMs: [0, 60_000, 600_000, 3_600_000, 86_400_000] },
};

/** A policy from settings given in seconds (BRIDGE_ANNOUNCE_RETRY_S and the like). */
export function policyFromSeconds(delaysS: readonly number[], deadlineS?: number): RetryPolicy {
  return {
    delaysMs: delaysS.map((d) => Math.round(d * 1000)),
    ...(deadlineS !== undefined ? { deadlineMs: deadlineS * 1000 } : {}),
  };
}

export type NextAttempt =
  | { kind: 'retry'; at: number }
  | { kind: 'give-up'; state: 'dead' | 'expired'; reason: string };

/** Decides what follows a failed attempt number `attempts` (1-based). */
export function nextAttempt(
  policy: RetryPolicy,
  attempts: number,
  now: number,
  receivedAt: number,
  retryable: boolean,
): NextAttempt {
  if (!retryable) return { kind: 'give-up', state: 'dead', reason: 'not retryable' };
  const delay = policy.delaysMs[attempts];
  // A step with a deadline (the announcement) is worthless after it: expired, not dead.
  if (policy.deadlineMs !== undefined) {
    const window = `${policy.deadlineMs / 1000} s`;
    if (delay === undefined)
      return {
        kind: 'give-up',
        state: 'expired',
        reason: `too late to announce: no attempt left within ${window} of receipt (${attempts} attempts)`,
      };
    if (now + delay > receivedAt + policy.deadlineMs)
      return {
        kind: 'give-up',
        state: 'expired',
        reason: `too late to announce: next attempt would be over ${window} after receipt (${attempts} attempts)`,
      };
  }
  if (delay === undefined) return { kind: 'give-up', state: 'dead', reason: `gave up after ${attempts} attempts` };
  return { kind: 'retry', at: now + delay };
}
