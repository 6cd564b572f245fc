import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Six seconds made by the real ffmpeg: red 0-2 s, green 2-4 s, blue 4-6 s, so the colour says which part a frame is from. */
export async function threeColourClip(dir: string): Promise<Buffer> {
  const file = join(dir, 'clip.mp4');
  const colour = (c: string) => ['-f', 'lavfi', '-i', `color=c=${c}:s=160x120:d=2`];
  await run('ffmpeg', [
    '-v',
    'error',
    '-y',
    ...colour('red'),
    ...colour('green'),
    ...colour('blue'),
    '-filter_complex',
    '[0:v][1:v][2:v]concat=n=3:v=1:a=0[v]',
    '-map',
    '[v]',
    '-pix_fmt',
    'yuv420p',
    file,
  ]);
  return readFileSync(file);
}

/** A JPEG's average colour as [r, g, b]: ffmpeg scales it to one pixel of raw rgb24. */
export async function averageColour(jpeg: Buffer, dir: string): Promise<number[]> {
  const file = join(dir, 'still.jpg');
  writeFileSync(file, jpeg);
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-vf', 'scale=1:1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { encoding: 'buffer' },
  );
  return [...stdout];
}
