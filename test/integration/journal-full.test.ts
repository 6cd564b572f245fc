import { execFileSync } from 'node:child_process';
import { mkdirSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { bootWorld } from '../helpers/world';
import { tempDir } from '../helpers/paths';

/** A small real filesystem for the data directory (needs root, as CI on the PBX image runs). */
function mountSmallDisk(dir: string): boolean {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Writes until the disk says ENOSPC; returns the filler's path. */
function fillDisk(dir: string): string {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return file;
}

const dir = tempDir('vb-full-');
const dataDir = join(dir, 'data');
const mounted = process.getuid?.() === 0 && mountSmallDisk(dataDir);

/**
 * The journal's disk refusing writes, for real (a full filesystem): the receiver answers 503
 * so Veesion retries, never 200 for an alert it could not keep; every alert it did acknowledge
 * is in the journal and reaches its final state once space is back.
 */
(mounted ? describe : describe.skip)('the journal disk full', () => {
  afterAll(() => {
    execFileSync('umount', ['-l', dataDir], { stdio: 'ignore' });
  });

  it('answers 503 while the disk is full, loses nothing it acknowledged, and recovers', async () => {
    const w = await bootWorld({ dir, settings: { BRIDGE_STORM_WINDOW_S: '0' } });
    try {
      expect((await w.post({ alert_uuid: 'full-0', location: 'store-b' })).status).toBe(200);
      await w.finished('full-0');
      const filler = fillDisk(dataDir);

      const padding = 'p'.repeat(30_000); // each alert needs new pages
      const answers: { id: string; status: number }[] = [];
      for (let i = 1; i <= 40 && !answers.some((a) => a.status === 503); i++) {
        const id = `full-${i}`;
        answers.push({
          id,
          status: (await w.post({ alert_uuid: id, location: 'store-b', camera_id: id, padding })).status,
        });
      }
      expect(answers.map((a) => a.status).every((s) => s === 200 || s === 503)).toBe(true);
      const refused = answers.filter((a) => a.status === 503);
      expect(refused.length).toBeGreaterThan(0);
      expect(w.logLines().some((l) => l.includes('journal write failed, alert refused with 503'))).toBe(true);

      rmSync(filler);
      expect((await w.post({ alert_uuid: 'full-after', location: 'store-c' })).status).toBe(200);
      // Veesion retries the refused alert: now it is kept.
      expect(
        (await w.post({ alert_uuid: refused[0]!.id, location: 'store-b', camera_id: refused[0]!.id })).status,
      ).toBe(200); // `!`: length > 0 checked
      const acked = [...answers.filter((a) => a.status === 200).map((a) => a.id), 'full-after', refused[0]!.id]; // `!`: as above
      for (const id of acked) {
        const steps = await w.finished(id, 60_000);
        expect(steps.map((s) => `${s.step}=${s.state}`)).toEqual(['announce=succeeded', 'chat=succeeded']);
      }
    } finally {
      await w.stop();
    }
  }, 120_000);
});
