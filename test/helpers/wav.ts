import { writeFileSync } from 'node:fs';

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
