import { readWavInfo } from './wav';

/**
 * Speech audio in-process: no converter process on the hot path. The engine's WAV
 * is decoded to floats, resampled with a windowed-sinc low-pass (so nothing above the new
 * Nyquist folds back: at 8 kHz, nothing of 4-11 kHz speech energy aliases into the band),
 * brought to the loudness target and written as mono 16-bit PCM WAV.
 */

/** Loudness target: speech RMS at -18 dBFS, its peak never above -1 dBFS (so never clipped). */
export const TARGET_RMS_DBFS = -18;
export const PEAK_CEILING_DBFS = -1;

export interface Pcm {
  rate: number;
  samples: Float32Array;
}

/** A RIFF/WAVE file (PCM 8/16/24/32-bit or float 32-bit, any channels) as mono floats in [-1, 1]. */
export function decodeWav(buf: Buffer): Pcm {
  const info = readWavInfo(buf);
  const format = wavFormat(buf);
  const bytes = info.bitsPerSample / 8;
  const frame = bytes * info.channels;
  const frames = Math.floor(info.dataBytes / frame);
  const samples = new Float32Array(frames);
  if (format === 1 && info.bitsPerSample === 16 && info.channels === 1) {
    // What every engine here writes: read it directly, without a call per sample.
    const pcm16 = new Int16Array(
      buf.buffer.slice(buf.byteOffset + info.dataOffset, buf.byteOffset + info.dataOffset + frames * 2),
    );
    for (let f = 0; f < frames; f++) samples[f] = (pcm16[f] as number) / 32768;
    return { rate: info.sampleRate, samples };
  }
  const read = sampleReader(buf, format, info.bitsPerSample);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < info.channels; c++) sum += read(info.dataOffset + f * frame + c * bytes);
    samples[f] = sum / info.channels;
  }
  return { rate: info.sampleRate, samples };
}

function wavFormat(buf: Buffer): number {
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const size = buf.readUInt32LE(offset + 4);
    if (buf.toString('ascii', offset, offset + 4) === 'fmt ') {
      const tag = buf.readUInt16LE(offset + 8);
      // WAVE_FORMAT_EXTENSIBLE: the real tag is the first two bytes of the sub-format GUID.
      return tag === 0xfffe && size >= 26 ? buf.readUInt16LE(offset + 8 + 24) : tag;
    }
    offset += 8 + size + (size % 2);
  }
  throw new Error('WAVE file without fmt chunk');
}

function sampleReader(buf: Buffer, format: number, bits: number): (at: number) => number {
  if (format === 3 && bits === 32) return (at) => buf.readFloatLE(at);
  if (format !== 1) throw new Error(`unsupported WAVE format ${format} (PCM or 32-bit float only)`);
  switch (bits) {
    case 8:
      return (at) => (buf.readUInt8(at) - 128) / 128;
    case 16:
      return (at) => buf.readInt16LE(at) / 32768;
    case 24:
      return (at) => buf.readIntLE(at, 3) / 8388608;
    case 32:
      return (at) => buf.readInt32LE(at) / 2147483648;
    default:
      throw new Error(`unsupported PCM sample size ${bits} bits`);
  }
}

/** Zero crossings of the sinc on each side of a tap: the filter's length (and steepness). */
const HALF_ZEROS = 16;
/** The pass band ends this far below the lower Nyquist; the transition band fits under it. */
const CUTOFF = 0.86;

/**
 * Band-limited resampling: each output sample is the input convolved with a Blackman-windowed
 * sinc whose cut-off is CUTOFF x the lower of the two Nyquist frequencies (3.44 kHz going to
 * 8 kHz: the telephone band, with nothing above 4 kHz left to alias), as a polyphase filter
 * bank computed once per rate pair, so a 3 s sentence costs a few milliseconds.
 */
export function resample(pcm: Pcm, rate: number): Pcm {
  if (pcm.rate === rate) return { rate, samples: pcm.samples.slice() };
  const bank = polyphase(pcm.rate, rate);
  const x = pcm.samples;
  const out = new Float32Array(Math.floor((x.length * bank.up) / bank.down));
  const { taps, up, down, half, filters } = bank;
  const unrolled = taps & ~3;
  for (let n = 0; n < out.length; n++) {
    // Output n sits at input position n * down / up: its phase picks the filter, exact.
    const pos = n * down;
    const centre = Math.floor(pos / up);
    const filter = filters[pos % up] as Float32Array;
    const first = centre - half + 1;
    let acc = 0;
    if (first >= 0 && first + taps <= x.length) {
      // Four running sums: independent multiply-adds the CPU overlaps (a quarter faster).
      let a1 = 0,
        a2 = 0,
        a3 = 0;
      let j = 0;
      for (; j < unrolled; j += 4) {
        const k = first + j;
        acc += (x[k] as number) * (filter[j] as number);
        a1 += (x[k + 1] as number) * (filter[j + 1] as number);
        a2 += (x[k + 2] as number) * (filter[j + 2] as number);
        a3 += (x[k + 3] as number) * (filter[j + 3] as number);
      }
      for (; j < taps; j++) acc += (x[first + j] as number) * (filter[j] as number);
      acc += a1 + a2 + a3;
    } else {
      for (let j = 0; j < taps; j++) {
        const k = first + j;
        if (k >= 0 && k < x.length) acc += (x[k] as number) * (filter[j] as number);
      }
    }
    out[n] = acc;
  }
  return { rate, samples: out };
}

const banks = new Map<string, { up: number; down: number; half: number; taps: number; filters: Float32Array[] }>();

/**
 * The filter bank for a rate pair: the ratio as up/down in lowest terms (22050 -> 8000 is
 * 160/441), and one normalised windowed-sinc filter per output phase, computed once.
 */
function polyphase(
  from: number,
  to: number,
): { up: number; down: number; half: number; taps: number; filters: Float32Array[] } {
  const key = `${from}>${to}`;
  let bank = banks.get(key);
  if (!bank) {
    const g = gcd(from, to);
    const up = to / g;
    const down = from / g;
    const fc = (CUTOFF * Math.min(1, to / from)) / 2; // cycles per input sample
    const half = Math.ceil(HALF_ZEROS / (2 * fc));
    const taps = 2 * half;
    const filters: Float32Array[] = [];
    for (let phase = 0; phase < up; phase++) {
      const frac = phase / up; // the output's offset past its centre input sample
      const f = new Float32Array(taps);
      let sum = 0;
      for (let j = 0; j < taps; j++) {
        const d = frac + half - 1 - j; // distance from input sample (centre - half + 1 + j)
        const sinc = d === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * d) / (Math.PI * d);
        f[j] = blackman(d / half) * sinc;
        sum += f[j] as number;
      }
      for (let j = 0; j < taps; j++) f[j] = (f[j] as number) / sum; // unity gain at DC
      filters.push(f);
    }
    bank = { up, down, half, taps, filters };
    banks.set(key, bank);
  }
  return bank;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function blackman(u: number): number {
  // u in [-1, 1]: the window over the filter's span.
  if (u <= -1 || u >= 1) return 0;
  const a = Math.PI * (u + 1);
  return 0.42 - 0.5 * Math.cos(a) + 0.08 * Math.cos(2 * a);
}

/** The gain (linear) that brings speech to TARGET_RMS_DBFS (within +-30 dB). */
export function normalisingGain(samples: Float32Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  if (sum === 0 || samples.length === 0) return 1;
  const rmsDb = 10 * Math.log10(sum / samples.length);
  return 10 ** (Math.max(-30, Math.min(30, TARGET_RMS_DBFS - rmsDb)) / 20);
}

const CEILING = 10 ** (PEAK_CEILING_DBFS / 20);
/** Above this, peaks are bent smoothly towards the ceiling (speech's few loud peaks, not its body). */
const KNEE = 0.6 * CEILING;

/**
 * Speech at the loudness target without clipping: the RMS is brought to TARGET_RMS_DBFS, then
 * the rare peaks above the knee are bent (tanh) under PEAK_CEILING_DBFS, so the level holds
 * even for speech whose crest factor is over 17 dB, and no sample ever reaches full scale.
 */
export function normalise(samples: Float32Array): void {
  const source = samples.slice();
  let gain = normalisingGain(source);
  // The bent peaks lose a little energy: make it up (a few passes converge within 0.2 dB).
  for (let pass = 0; pass < 6; pass++) {
    let sum = 0;
    for (let i = 0; i < source.length; i++) {
      const y = bend((source[i] as number) * gain);
      samples[i] = y;
      sum += y * y;
    }
    if (sum === 0) return;
    const missing = TARGET_RMS_DBFS - 10 * Math.log10(sum / source.length);
    if (Math.abs(missing) < 0.2 || gain >= 10 ** (30 / 20)) return;
    gain *= 10 ** (missing / 20);
  }
}

function bend(x: number): number {
  const a = Math.abs(x);
  return a <= KNEE ? x : Math.sign(x) * (KNEE + (CEILING - KNEE) * Math.tanh((a - KNEE) / (CEILING - KNEE)));
}

/** Mono 16-bit PCM WAV of `samples` times `gain` (clamped: never wraps around). */
export function encodeWav(samples: Float32Array, rate: number, gain = 1): Buffer {
  const data = samples.length * 2;
  const buf = Buffer.alloc(44 + data);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + data, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(data, 40);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.round((samples[i] as number) * gain * 32767);
    buf.writeInt16LE(v > 32767 ? 32767 : Math.max(v, -32768), 44 + i * 2);
  }
  return buf;
}

/**
 * The announcement: speech resampled to `rate` and normalised, after the chime (which keeps
 * its own level, only resampled), as one WAV.
 */
export function telephoneWav(speech: Buffer, rate: number, chime?: Pcm): Buffer {
  const voice = resample(decodeWav(speech), rate);
  normalise(voice.samples);
  if (!chime) return encodeWav(voice.samples, rate);
  const bell = chime.rate === rate ? chime.samples : resample(chime, rate).samples;
  const joined = new Float32Array(bell.length + voice.samples.length);
  joined.set(bell, 0);
  joined.set(voice.samples, bell.length);
  return encodeWav(joined, rate);
}
