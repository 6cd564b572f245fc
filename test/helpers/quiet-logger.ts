import { PassThrough } from 'node:stream';
import { createLogger, type Logger } from '../../src/log/logger';

/** A real logger whose JSON lines are kept in memory, so tests can assert over the whole log. */
export function capturedLogger(secrets: readonly string[] = []): { logger: Logger; lines: () => string[] } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  return { logger: createLogger({ level: 'debug', secrets, stream }), lines: () => chunks.join('').split('\n').filter(Boolean) };
}

export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
