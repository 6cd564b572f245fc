import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stillImage } from '../../../src/chat/still-image';
import { averageColour, threeColourClip } from '../../helpers/clips';
import { tempDir } from '../../helpers/paths';
import { childrenNamed } from '../../helpers/processes';
import { waitFor } from '../../helpers/quiet-logger';

const run = promisify(execFile);

describe('stillImage with the real ffmpeg', () => {
  it('takes a JPEG of a frame near the middle of the clip, within 200 KB', async () => {
    const dir = tempDir();
    const jpeg = await stillImage(await threeColourClip(dir), { timeoutMs: 20_000 });
    expect([...jpeg.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect([...jpeg.subarray(-2)]).toEqual([0xff, 0xd9]);
    expect(jpeg.length).toBeLessThanOrEqual(200 * 1024);
    const [r = 0, g = 0, b = 0] = await averageColour(jpeg, dir);
    expect(g).toBeGreaterThan(100);
    expect(r).toBeLessThan(60);
    expect(b).toBeLessThan(60);
  });

  it('scales a large frame to at most 640 px wide, and shrinks it further to fit maxBytes', async () => {
    const dir = tempDir();
    const file = join(dir, 'noise.mp4');
    // Noise hardly compresses, so the 640 px JPEG is large and the smaller attempts are needed.
    await run('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'nullsrc=s=1280x720:d=1,geq=random(1)*255:128:128',
      '-pix_fmt',
      'yuv420p',
      file,
    ]);
    const clip = readFileSync(file);
    const full = await stillImage(clip, { timeoutMs: 20_000 });
    const small = await stillImage(clip, { timeoutMs: 20_000, maxBytes: Math.floor(full.length / 2) });
    expect(small.length).toBeLessThanOrEqual(full.length / 2);
    await expect(stillImage(clip, { timeoutMs: 20_000, maxBytes: 1000 })).rejects.toMatchObject({
      code: 'STILL_TOO_LARGE',
    });
  });

  it('rejects bytes that are not a video as unreadable, and cleans up', async () => {
    const tmpDir = tempDir();
    const garbage = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256));
    await expect(stillImage(garbage, { timeoutMs: 20_000, tmpDir })).rejects.toMatchObject({
      code: 'STILL_UNREADABLE',
      kind: 'bad-input',
    });
    expect(readdirSync(tmpDir)).toEqual([]);
  });

  it('rejects a truncated clip as unreadable', async () => {
    const clip = await threeColourClip(tempDir());
    await expect(stillImage(clip.subarray(0, clip.length / 2), { timeoutMs: 20_000 })).rejects.toMatchObject({
      code: 'STILL_UNREADABLE',
    });
  });

  it('rejects a clip without a video stream as unreadable', async () => {
    const dir = tempDir();
    const file = join(dir, 'sound.m4a');
    await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=d=2', file]);
    await expect(stillImage(readFileSync(file), { timeoutMs: 20_000 })).rejects.toMatchObject({
      code: 'STILL_UNREADABLE',
    });
  });

  it('gives up at the deadline, leaving no ffmpeg and no temp files behind', async () => {
    const tmpDir = tempDir();
    const clip = await threeColourClip(tempDir());
    await expect(stillImage(clip, { timeoutMs: 1, tmpDir })).rejects.toMatchObject({
      code: 'FFMPEG_TIMEOUT',
      kind: 'timeout',
    });
    expect(readdirSync(tmpDir)).toEqual([]);
    await waitFor(() => childrenNamed('ffmpeg').length === 0, 10_000, 'no ffmpeg left running');
  });
});
