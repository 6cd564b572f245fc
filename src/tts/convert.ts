import ffmpeg from 'fluent-ffmpeg';
import { Readable } from 'node:stream';
import { StepError } from '../pipeline/step-error';
import { normalisingGainDb } from './loudness';

export interface ConvertOptions {
  /** A WAV file to play before the speech (the chime), or undefined. */
  prefixFile?: string | undefined;
  timeoutMs: number;
}

/** Fallback when the input cannot be measured: ffmpeg's EBU R128 loudness normalisation. */
const LOUDNORM = 'loudnorm=I=-16:TP=-1.5:LRA=11';

/**
 * The only place fluent-ffmpeg is used (it is archived): our own timeout kills ffmpeg, and
 * every failure becomes a StepError.
 */
export function convertToTelephoneWav(input: Buffer, outputFile: string, opts: ConvertOptions): Promise<void> {
  const gain = normalisingGainDb(input);
  const level = gain === undefined ? LOUDNORM : `volume=${gain.toFixed(2)}dB`;
  return new Promise((resolve, reject) => {
    const cmd = ffmpeg().input(Readable.from(input)).inputFormat('wav');
    if (opts.prefixFile) {
      // The chime keeps its own level; only the speech is normalised.
      cmd.input(opts.prefixFile).complexFilter([
        '[1:a]aresample=22050,aformat=channel_layouts=mono[c]',
        `[0:a]${level},aresample=22050,aformat=channel_layouts=mono[s]`,
        '[c][s]concat=n=2:v=0:a=1[out]',
      ], 'out');
    } else {
      cmd.audioFilters(level);
    }
    cmd
      .audioFrequency(8000)
      .audioChannels(1)
      .audioCodec('pcm_s16le')
      .format('wav')
      .outputOptions('-map_metadata', '-1', '-bitexact');
    let settled = false;
    const finish = (err?: StepError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => {
      cmd.kill('SIGKILL');
      finish(new StepError('FFMPEG_TIMEOUT', 'timeout', `ffmpeg took longer than ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    cmd.on('error', (err: Error) => finish(new StepError('FFMPEG_FAILED', 'internal', `ffmpeg failed: ${err.message}`, { cause: err })));
    cmd.on('end', () => finish());
    cmd.save(outputFile);
  });
}
