import { readWavInfo } from '../src/tts/wav';

/** Speech is brought to this RMS level, unless that would push its peak above PEAK_CEILING. */
const TARGET_RMS_DBFS = -18;
const PEAK_CEILING_DBFS = -1;

/**
 * The gain (dB) that normalises 16-bit PCM speech: measured here in one pass over the samples,
 * so ffmpeg only applies a constant volume (about half the cost of its two-pass-like loudnorm).
 * Undefined when the input is not 16-bit PCM WAV (e.g. float output of `say`).
 */
export function normalisingGainDb(wav: Buffer): number | undefined {
  let info: ReturnType<typeof readWavInfo>;
  try {
    info = readWavInfo(wav);
  } catch {
    return undefined;
  }
  if (info.bitsPerSample !== 16 || info.dataBytes < 2) return undefined;
  let sum = 0;
  let peak = 0;
  const n = Math.floor(info.dataBytes / 2);
  for (let i = 0; i < n; i++) {
    const s = wav.readInt16LE(info.dataOffset + i * 2);
    sum += s * s;
    const a = Math.abs(s);
    if (a > peak) peak = a;
  }
  if (peak === 0) return undefined;
  const rmsDb = 10 * Math.log10(sum / n / 32768 ** 2);
  const peakDb = 20 * Math.log10(peak / 32768);
  const gain = Math.min(TARGET_RMS_DBFS - rmsDb, PEAK_CEILING_DBFS - peakDb);
  return Math.max(-30, Math.min(30, gain));
}
