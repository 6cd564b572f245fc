import { runFfmpeg } from '../ffmpeg';

/**
 * Imports an operator's sound (the chime) once: any format ffmpeg reads, to mono 16-bit PCM WAV
 * at 16 kHz, its level untouched; the speech path then resamples it in-process.
 */
export function importSound(input: string, outputFile: string, timeoutMs: number): Promise<void> {
  return runFfmpeg(
    (cmd) => {
      cmd
        .input(input)
        .audioChannels(1)
        .audioFrequency(16000)
        .audioCodec('pcm_s16le')
        .format('wav')
        .outputOptions('-map_metadata', '-1', '-bitexact')
        .output(outputFile);
    },
    { timeoutMs, what: 'sound import' },
  );
}
