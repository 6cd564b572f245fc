import { PassThrough } from 'node:stream';
import { createLogger, type Logger } from '../../src/log/logger';

/** A real logger whose JSON lines are kept in memory, so tests can assert over the whole log. */
export function capturedLogger(secrets: readonly string[] = []): { logger: Logger; lines: () => string[] } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  return {
    logger: createLogger({ level: 'debug', secrets, stream }),
    lines: () => chunks.join('').split('\n').filter(Boolean),
  };
}

/**
 * Waits for an event, failing after a deadline. The deadline is never under 10 s: a loaded CI
 * machine may be slow, and waiting longer only delays a failure, never hides one.
 */
export const MIN_WAIT_MS = 10_000;

export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  ms = MIN_WAIT_MS,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + Math.max(ms, MIN_WAIT_MS);
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
