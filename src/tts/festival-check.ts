import type { EngineAudio } from './engines';
import { sayableCount } from './festival-text';
import { readWavInfo } from './wav';

/**
 * The fastest Festival says text, in letters and digits (sayableCount) per second: measured here
 * on alert-like sentences, at most 13.5 for kal_diphone, 13.9 for cmu_us_slt_arctic_hts and
 * 12.3 for lp_diphone (numbers and short words are slower). Rounded up, so a sentence said whole
 * is never taken for a cut one.
 */
export const FESTIVAL_LETTERS_PER_SECOND = 15;
/** Audio shorter than this share of the sentence's expected length lost part of it. */
export const MIN_SHARE_OF_EXPECTED = 0.4;

/**
 * Festival's diagnostics for a sentence it did not say whole: its letter-to-sound rules found a
 * token they have no rule for, or its Scheme stopped on one; either way it exits 0.
 */
const GAVE_UP = /no rule matches|LTS_Ruleset|SIOD ERROR/;

export type Shortfall = 'letter-to-sound' | 'no audio' | 'too short';

/** Why Festival's render of `text` is not the whole sentence, or undefined when it is. */
export function festivalShortfall(text: string, audio: EngineAudio): Shortfall | undefined {
  if (GAVE_UP.test(audio.stderr ?? '')) return 'letter-to-sound';
  let durationMs: number;
  try {
    durationMs = readWavInfo(audio).durationMs;
  } catch {
    return 'no audio';
  }
  const expectedMs = (sayableCount(text) / FESTIVAL_LETTERS_PER_SECOND) * 1000;
  if (durationMs === 0) return 'no audio';
  return durationMs < MIN_SHARE_OF_EXPECTED * expectedMs ? 'too short' : undefined;
}
