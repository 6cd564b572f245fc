/**
 * When an event is tried again (WeSeeDo's practice: 0, 1 min, 10 min, 1 h, 24 h). `delaysMs[n]`
 * is the wait before attempt n + 1, so attempt 1 goes at once and there are as many attempts as
 * delays. Events of one integration go in order, so an event may first wait behind an older
 * one; one that has already waited longer than the whole schedule gets a single attempt, so a
 * receiver that stays down cannot hold a queue forever.
 */
export type NextStep = { kind: 'retry'; at: number } | { kind: 'dead'; reason: string };

/** Longest Retry-After honoured; a longer one is cut to this. */
export const MAX_RETRY_AFTER_MS = 86_400_000;

export function afterFailure(
  delaysMs: readonly number[],
  attempt: number,
  eventTime: number,
  now: number,
  retryAfterMs?: number,
): NextStep {
  const window = delaysMs.reduce((a, b) => a + b, 0);
  if (attempt >= delaysMs.length) return { kind: 'dead', reason: `gave up after ${attempt} attempts` };
  if (now - eventTime >= window)
    return {
      kind: 'dead',
      reason: `gave up: the event is older than its whole retry schedule (${Math.round(window / 1000)} s)`,
    };
  const delay = Math.max(delaysMs[attempt] ?? 0, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
  return { kind: 'retry', at: now + delay };
}

/**
 * `Retry-After` (RFC 9110 section 10.2.3): delay seconds or an HTTP date. Undefined when absent
 * or malformed: then the schedule alone decides.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
