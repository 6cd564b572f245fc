import { writeFileSync } from 'node:fs';
import type { WavInfo } from '../../src/tts/wav';

/** `ms` of mono 16-bit PCM silence at `rate`, as a WAV (what the engines and the TTS cache hold). */
export function silentWav(ms: number, rate = 8000): Buffer {
  const data = Buffer.alloc(Math.round((rate * ms) / 1000) * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** Writes `ms` of 8 kHz mono 16-bit silence as `<path>.wav` (the format the TTS cache holds). */
export function writeSilentWav(path: string, ms: number): void {
  writeFileSync(`${path}.wav`, silentWav(ms));
}

/** Root-mean-square level of 16-bit PCM in dBFS (for checks that speech is audible). */
export function rmsDbfs(buf: Buffer, info: WavInfo): number {
  let sum = 0;
  const n = Math.floor(info.dataBytes / 2);
  for (let i = 0; i < n; i++) {
    const s = buf.readInt16LE(info.dataOffset + i * 2) / 32768;
    sum += s * s;
  }
  return n === 0 ? -Infinity : 10 * Math.log10(sum / n);
}
