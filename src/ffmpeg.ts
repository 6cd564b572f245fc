import ffmpeg from 'fluent-ffmpeg';
import { StepError } from './pipeline/step-error';

export type FfmpegCommand = ffmpeg.FfmpegCommand;

/** What fluent-ffmpeg reads from ffmpeg's banner; `duration` is "HH:MM:SS.cc" or "N/A". */
export interface CodecData {
  format: string;
  video: string;
  duration: string;
}

export interface RunFfmpegOptions {
  timeoutMs: number;
  /** Names the job in error messages ("ffmpeg (still image) failed: ..."). */
  what: string;
  onCodecData?: (data: CodecData) => void;
}

/**
 * The only place fluent-ffmpeg is used (it is archived). `build` adds inputs, options and the
 * output; this runs it under our own timeout, which SIGKILLs ffmpeg (also when the timeout
 * came before fluent-ffmpeg got round to spawning it), and every failure becomes a StepError.
 * On timeout it rejects at once rather than waiting for the process to go.
 */
export function runFfmpeg(build: (cmd: FfmpegCommand) => void, opts: RunFfmpegOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const cmd = ffmpeg();
    let settled = false;
    let timedOut = false;
    let running = false;
    const finish = (err?: StepError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      if (running) cmd.kill('SIGKILL');
      finish(new StepError('FFMPEG_TIMEOUT', 'timeout', `ffmpeg (${opts.what}) took longer than ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    cmd.on('start', () => {
      running = true;
      if (timedOut) cmd.kill('SIGKILL');
    });
    // Stays attached after settling: the killed process still reports its end as an 'error'.
    cmd.on('error', (err: Error) => {
      running = false;
      finish(
        new StepError('FFMPEG_FAILED', 'internal', `ffmpeg (${opts.what}) failed: ${err.message}`, { cause: err }),
      );
    });
    cmd.on('end', () => {
      running = false;
      finish();
    });
    if (opts.onCodecData) cmd.on('codecData', opts.onCodecData);
    try {
      build(cmd);
      cmd.run();
    } catch (err) {
      finish(
        new StepError('FFMPEG_FAILED', 'internal', `ffmpeg (${opts.what}) could not start: ${(err as Error).message}`, {
          cause: err,
        }),
      );
    }
  });
}
