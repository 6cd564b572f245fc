/** `initialMs` doubled per failure so far, capped at `maxMs`. */
export function exponentialBackoff(failures: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** failures);
}

/** Somewhere in [delay/2, delay]: peers that failed together do not retry together. */
export function withJitter(delayMs: number, random: () => number = Math.random): number {
  return Math.round(delayMs / 2 + random() * (delayMs / 2));
}
