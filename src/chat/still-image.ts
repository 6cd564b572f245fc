import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFfmpeg } from '../ffmpeg';
import { StepError } from '../pipeline/step-error';

export interface StillImageOptions {
  /** One deadline for every ffmpeg pass together. */
  timeoutMs: number;
  /** Largest JPEG returned (default 200 KB). */
  maxBytes?: number;
  /** Where the private working directory is made (default: the system's temp dir). */
  tmpDir?: string;
}

/** Tried in order until the JPEG fits in maxBytes; `quality` is ffmpeg's -q:v (2 best, 31 worst). */
const ATTEMPTS = [
  { width: 640, quality: 5 },
  { width: 480, quality: 12 },
  { width: 320, quality: 20 },
] as const;

/**
 * One frame from the middle of an alert's clip as a JPEG, so staff see the person without
 * opening the clip. A clip ffmpeg cannot read (not a video, truncated, no video stream) is
 * STILL_UNREADABLE; the working directory is removed whatever happens.
 */
export async function stillImage(video: Buffer, opts: StillImageOptions): Promise<Buffer> {
  const deadline = Date.now() + opts.timeoutMs;
  const maxBytes = opts.maxBytes ?? 200 * 1024;
  const dir = await mkdtemp(join(opts.tmpDir ?? tmpdir(), 'still-'));
  try {
    const clip = join(dir, 'clip');
    await writeFile(clip, video);
    const at = (await durationSeconds(clip, timeLeft(deadline, opts.timeoutMs))) / 2;
    let smallest = Infinity;
    for (const { width, quality } of ATTEMPTS) {
      const jpeg = join(dir, `still-${width}.jpg`);
      await runFfmpeg(
        (cmd) => {
          // -ss before -i: ffmpeg seeks in the input instead of decoding up to the middle.
          cmd.input(clip).seekInput(at.toFixed(3)).output(jpeg).outputOptions(
            '-map',
            '0:v:0',
            '-frames:v',
            '1',
            '-q:v',
            String(quality),
            '-update',
            '1',
            // At most `width` wide, never enlarged; -2 keeps the aspect with an even height.
            '-vf',
            `scale=w='min(${width},iw)':h=-2`,
          );
        },
        { timeoutMs: timeLeft(deadline, opts.timeoutMs), what: 'still image' },
      ).catch(unreadable);
      // ffmpeg succeeds without writing anything when there is no frame at `at`.
      const bytes = await readFile(jpeg).catch(() => Buffer.alloc(0));
      if (bytes.length === 0)
        throw new StepError('STILL_UNREADABLE', 'bad-input', `the clip has no frame at ${at.toFixed(1)} s`);
      if (bytes.length <= maxBytes) return bytes;
      smallest = Math.min(smallest, bytes.length);
    }
    throw new StepError(
      'STILL_TOO_LARGE',
      'bad-input',
      `the still image is ${smallest} bytes even at ${ATTEMPTS.at(-1)?.width} px, over ${maxBytes}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The clip's length from its header, found by decoding one frame (which also proves there is a
 * video stream). 0 when the container does not say, so the first frame is taken.
 */
async function durationSeconds(clip: string, timeoutMs: number): Promise<number> {
  let duration = 'N/A';
  await runFfmpeg(
    (cmd) => {
      cmd.input(clip).output('-').format('null').outputOptions('-map', '0:v:0', '-frames:v', '1');
    },
    {
      timeoutMs,
      what: 'reading the clip',
      onCodecData: (data) => {
        duration = data.duration;
      },
    },
  ).catch(unreadable);
  const hms = /^(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(duration);
  return hms ? Number(hms[1]) * 3600 + Number(hms[2]) * 60 + Number(hms[3]) : 0;
}

/** ffmpeg ran and refused the input: the clip's problem, not ours (a missing ffmpeg stays FFMPEG_FAILED). */
function unreadable(err: unknown): never {
  if (err instanceof StepError && err.code === 'FFMPEG_FAILED' && /exited with code/.test(err.message)) {
    throw new StepError('STILL_UNREADABLE', 'bad-input', `the clip cannot be read as a video: ${err.message}`, {
      cause: err,
    });
  }
  throw err;
}

function timeLeft(deadline: number, timeoutMs: number): number {
  const ms = deadline - Date.now();
  if (ms <= 0) throw new StepError('FFMPEG_TIMEOUT', 'timeout', `the still image took longer than ${timeoutMs} ms`);
  return ms;
}
