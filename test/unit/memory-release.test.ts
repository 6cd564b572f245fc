import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryReleaseArea, QUIET_MS } from '../../src/memory-release';
import { capturedLogger } from '../helpers/quiet-logger';
import { tempDir } from '../helpers/paths';

describe('MemoryReleaseArea', () => {
  const setup = () => {
    let now = 1_000_000;
    const listeners: (() => void)[] = [];
    const collections: unknown[] = [];
    const { logger } = capturedLogger();
    const area = new MemoryReleaseArea(
      (l) => listeners.push(l),
      logger,
      (options) => collections.push(options),
      () => now,
    );
    return {
      area,
      collections,
      step: () => {
        for (const l of listeners) l();
      },
      later: (ms: number) => {
        now += ms;
      },
    };
  };

  it('gives memory back once after each burst of steps, when all has been still for the quiet time', () => {
    const { area, collections, step, later } = setup();
    area.start();
    try {
      expect(area.check()).toBe(false); // nothing done yet: nothing to give back
      later(QUIET_MS * 2);
      expect(area.check()).toBe(false);
    } finally {
      area.stop();
    }
    step();
    expect(area.check()).toBe(false); // the move is noticed
    later(QUIET_MS - 1);
    expect(area.check()).toBe(false);
    step(); // still busy: the quiet time starts again
    expect(area.check()).toBe(false);
    later(QUIET_MS - 1);
    expect(area.check()).toBe(false);
    later(1);
    expect(area.check()).toBe(true);
    expect(collections).toEqual([{ type: 'major', execution: 'sync', flavor: 'last-resort' }]);
    later(QUIET_MS * 3);
    expect(area.check()).toBe(false); // once per burst
    step();
    area.check();
    later(QUIET_MS);
    expect(area.check()).toBe(true);
    expect(collections).toHaveLength(2);
  });

  it('does nothing and starts no timer without --expose-gc', () => {
    const { logger } = capturedLogger();
    let listener: (() => void) | undefined;
    const area = new MemoryReleaseArea((l) => (listener = l), logger, undefined);
    area.start();
    listener?.();
    area.check();
    expect(area.check()).toBe(false);
    area.stop();
  });

  // What the area relies on: V8's last-resort collection returns the pages a grown heap keeps
  // pooled, where a plain full collection does not (Node 22 and 24 alike).
  it("V8's last-resort collection gives back the heap a burst grew, a regular one does not", () => {
    const script = join(tempDir('vb-gc-'), 'burst.js');
    writeFileSync(
      script,
      `let keep = [];
       for (let r = 0; r < 12; r++) { const a = []; for (let i = 0; i < 100000; i++) a.push({ i, s: 'x' + i }); keep.push(a); if (keep.length > 4) keep.shift(); }
       keep = null;
       const rss = () => process.memoryUsage.rss();
       gc(); const regular = rss();
       gc({ type: 'major', execution: 'sync', flavor: 'last-resort' }); const lastResort = rss();
       console.log(JSON.stringify({ regular, lastResort }));`,
    );
    const out = execFileSync(process.execPath, ['--expose-gc', '--max-semi-space-size=1', script], {
      encoding: 'utf8',
    });
    const { regular, lastResort } = JSON.parse(out) as { regular: number; lastResort: number };
    expect(regular - lastResort).toBeGreaterThan(40 * 2 ** 20);
  });
});
