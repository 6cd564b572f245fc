import {
  decodeWav,
  encodeWav,
  normalisingGain,
  resample,
  telephoneWav,
  PEAK_CEILING_DBFS,
  TARGET_RMS_DBFS,
} from '../../../src/tts/pcm';
import { readWavInfo } from '../../../src/tts/wav';
import { rmsDbfs } from '../../helpers/wav';

const tone = (hz: number, rate: number, seconds: number, amplitude = 0.5) =>
  Float32Array.from(
    { length: Math.round(rate * seconds) },
    (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / rate),
  );
/** RMS in dB relative to a full-scale sine, over the middle (edges hold the filter's ramp). */
const levelDb = (x: Float32Array, amplitude = 0.5) => {
  const mid = x.subarray(Math.floor(x.length * 0.2), Math.floor(x.length * 0.8));
  const rms = Math.sqrt(mid.reduce((s, v) => s + v * v, 0) / mid.length);
  return 20 * Math.log10(rms / (amplitude / Math.SQRT2));
};

describe('the windowed-sinc resampler', () => {
  it("keeps the telephone band going from espeak-ng's 22050 Hz to 8 kHz, and lets nothing above it fold back", () => {
    for (const hz of [300, 1000, 2500, 3000]) {
      expect([hz, Math.abs(levelDb(resample({ rate: 22050, samples: tone(hz, 22050, 1) }, 8000).samples)) < 1]).toEqual(
        [hz, true],
      );
    }
    // A tone above 4 kHz would come back as an alias below it (4.6 kHz -> 3.4 kHz): it must be gone.
    for (const hz of [4600, 5000, 7000, 10000]) {
      expect([hz, levelDb(resample({ rate: 22050, samples: tone(hz, 22050, 1) }, 8000).samples) < -40]).toEqual([
        hz,
        true,
      ]);
    }
  });

  it('16 kHz output (BRIDGE_AUDIO_RATE=16000) keeps up to 6 kHz; upsampling keeps the tone', () => {
    expect(Math.abs(levelDb(resample({ rate: 22050, samples: tone(6000, 22050, 1) }, 16000).samples)) < 1).toBe(true);
    expect(levelDb(resample({ rate: 22050, samples: tone(9000, 22050, 1) }, 16000).samples) < -40).toBe(true);
    const up = resample({ rate: 8000, samples: tone(1000, 8000, 1) }, 16000);
    expect(up.samples.length).toBe(16000);
    expect(Math.abs(levelDb(up.samples)) < 1).toBe(true);
  });
});

describe('the announcement WAV', () => {
  const wav = (samples: Float32Array, rate: number) => encodeWav(samples, rate);

  it('is mono 16-bit at the asked rate, as long as the speech, at the loudness target without clipping', () => {
    // Loud speech-like input: a tone with a peak at full scale, 22050 Hz as espeak-ng writes it.
    const speech = wav(tone(440, 22050, 2, 0.99), 22050);
    for (const rate of [8000, 16000]) {
      const out = telephoneWav(speech, rate);
      const info = readWavInfo(out);
      expect([info.sampleRate, info.channels, info.bitsPerSample]).toEqual([rate, 1, 16]);
      expect(Math.abs(info.durationMs - 2000)).toBeLessThanOrEqual(1);
      const samples = decodeWav(out).samples;
      const peakDb = 20 * Math.log10(samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0));
      // A sine's crest is 3 dB: at -18 dBFS RMS its peak (-15) is under the ceiling, so RMS is on target.
      expect(Math.abs(rmsDbfs(out, info) - TARGET_RMS_DBFS)).toBeLessThan(1);
      expect(peakDb).toBeLessThanOrEqual(PEAK_CEILING_DBFS + 0.01);
      expect(samples.some((v) => Math.abs(v) >= 32767 / 32768)).toBe(false);
    }
  });

  it('a peaky sound keeps the loudness target with its peaks bent under the ceiling, never clipped; the chime keeps its level', () => {
    // A crest factor over 25 dB (a body with rare loud clicks): the RMS reaches the target anyway.
    const spiky = Float32Array.from({ length: 44100 }, (_, i) => (i % 5000 === 0 ? 0.9 : 0.05 * Math.sin(i / 3)));
    const out = decodeWav(telephoneWav(wav(spiky, 22050), 22050));
    const rms = 10 * Math.log10(out.samples.reduce((s, v) => s + v * v, 0) / out.samples.length);
    expect(Math.abs(rms - TARGET_RMS_DBFS)).toBeLessThan(1);
    expect(20 * Math.log10(out.samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0))).toBeLessThanOrEqual(
      PEAK_CEILING_DBFS + 0.01,
    );
    expect(normalisingGain(new Float32Array(10))).toBe(1);
    const chime = { rate: 8000, samples: tone(880, 8000, 0.5, 0.25) };
    const joined = telephoneWav(wav(tone(440, 22050, 1), 22050), 8000, chime);
    expect(readWavInfo(joined).durationMs).toBe(1500);
    const first = decodeWav(joined).samples.subarray(0, 4000);
    expect(Math.abs(levelDb(first, 0.25))).toBeLessThan(0.5);
  });

  it('reads what the engines write: 16-bit PCM, 32-bit float, stereo', () => {
    const f = Buffer.alloc(44 + 8);
    encodeWav(new Float32Array(2), 16000).copy(f, 0, 0, 44);
    f.writeUInt16LE(3, 20); // IEEE float
    f.writeUInt16LE(1, 22);
    f.writeUInt16LE(32, 34);
    f.writeUInt32LE(8, 40);
    f.writeFloatLE(0.5, 44);
    f.writeFloatLE(-0.25, 48);
    expect([...decodeWav(f).samples]).toEqual([0.5, -0.25]);
    expect(() => decodeWav(Buffer.from('RIFF\0\0\0\0WAVEjunk'))).toThrow();
  });
});
