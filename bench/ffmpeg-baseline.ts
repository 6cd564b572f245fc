import { Readable } from 'node:stream';
import { runFfmpeg } from '../src/ffmpeg';
import { normalisingGainDb } from './loudness';

export interface ConvertOptions {
  /** A WAV file to play before the speech (the chime), or undefined. */
  prefixFile?: string | undefined;
  timeoutMs: number;
}

/** Fallback when the input cannot be measured: ffmpeg's EBU R128 loudness normalisation. */
const LOUDNORM = 'loudnorm=I=-16:TP=-1.5:LRA=11';

/**
 * Speech (and the chime before it) as 8 kHz mono 16-bit WAV, at one loudness, for the PBX, in
 * one ffmpeg process: how the daemon converted speech before it did so in-process, kept as the
 * bench's baseline.
 */
export function convertToTelephoneWav(input: Buffer, outputFile: string, opts: ConvertOptions): Promise<void> {
  const gain = normalisingGainDb(input);
  const level = gain === undefined ? LOUDNORM : `volume=${gain.toFixed(2)}dB`;
  return runFfmpeg(
    (cmd) => {
      cmd.input(Readable.from(input)).inputFormat('wav');
      if (opts.prefixFile) {
        // The chime keeps its own level; only the speech is normalised.
        cmd
          .input(opts.prefixFile)
          .complexFilter(
            [
              '[1:a]aresample=22050,aformat=channel_layouts=mono[c]',
              `[0:a]${level},aresample=22050,aformat=channel_layouts=mono[s]`,
              '[c][s]concat=n=2:v=0:a=1[out]',
            ],
            'out',
          );
      } else {
        cmd.audioFilters(level);
      }
      cmd
        .audioFrequency(8000)
        .audioChannels(1)
        .audioCodec('pcm_s16le')
        .format('wav')
        .outputOptions('-map_metadata', '-1', '-bitexact')
        .output(outputFile);
    },
    { timeoutMs: opts.timeoutMs, what: 'speech to telephone WAV' },
  );
}
