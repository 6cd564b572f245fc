import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineName } from './engines';

/**
 * Which engine and voice speak a store's language: Festival's HTS voice for English
 * (festvox-us-slt-hts) and its Italian diphone voice (festvox-italp16k) when installed, else
 * espeak-ng's voice for the language. BRIDGE_TTS_VOICE, when set, overrides all of it.
 */
const FESTIVAL_VOICE: Record<string, string> = { en: 'cmu_us_slt_arctic_hts', it: 'lp_diphone' };
const ESPEAK_VOICE: Record<string, string> = { en: 'en-us', fr: 'fr-fr', it: 'it', de: 'de', es: 'es' };
/** The language of each Festival voice; '' is Festival's default voice (kal_diphone, English). */
const FESTIVAL_LANGUAGE: Record<string, string> = {
  ...Object.fromEntries(Object.entries(FESTIVAL_VOICE).map(([language, voice]) => [voice, language])),
  kal_diphone: 'en',
  '': 'en',
};

export interface Voice {
  engine: EngineName;
  /** The engine's voice name ('' = its default). */
  voice: string;
}

const FESTIVAL_VOICE_DIRS = ['/usr/share/festival/voices'];

/** Festival voices installed (their directory names: cmu_us_slt_arctic_hts, lp_diphone...). */
export function festivalVoices(dirs = FESTIVAL_VOICE_DIRS): Set<string> {
  const out = new Set<string>();
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const lang of readdirSync(dir)) {
      try {
        for (const v of readdirSync(join(dir, lang))) out.add(v);
      } catch {
        // not a directory
      }
    }
  }
  return out;
}

/** espeak-ng's language codes (`espeak-ng --voices`), or none when it is missing. */
export function espeakLanguages(): Set<string> {
  const res = spawnSync('espeak-ng', ['--voices'], { encoding: 'utf8', timeout: 10_000 });
  const out = new Set<string>();
  if (res.status !== 0) return out;
  for (const line of res.stdout.split('\n').slice(1)) {
    const code = line.trim().split(/\s+/)[1];
    if (code) out.add(code.toLowerCase());
  }
  return out;
}

export interface InstalledVoices {
  festival: Set<string>;
  espeak: Set<string>;
}

export function installedVoices(): InstalledVoices {
  return { festival: festivalVoices(), espeak: espeakLanguages() };
}

/**
 * The voice for a language tag (fr-FR), or undefined when nothing installed speaks it. Without
 * a language: the global engine and voice, as before.
 */
export function voiceFor(language: string | undefined, global: Voice, installed: InstalledVoices): Voice | undefined {
  if (global.voice) return global; // BRIDGE_TTS_VOICE overrides
  if (!language) return global;
  const tag = language.toLowerCase().replace('_', '-');
  const base = tag.split('-')[0] as string;
  const festival = FESTIVAL_VOICE[base];
  if (festival && installed.festival.has(festival)) return { engine: 'festival', voice: festival };
  const espeak = [tag, ESPEAK_VOICE[base], base].find((v): v is string => v !== undefined && installed.espeak.has(v));
  return espeak ? { engine: 'espeak-ng', voice: espeak } : undefined;
}

/**
 * The espeak-ng voice that says what a Festival voice could not: the one of the Festival voice's
 * language (of `language`, the sentence's, for a Festival voice of unknown language), or
 * undefined when espeak-ng has none installed.
 */
export function espeakVoiceFor(
  festival: Voice,
  language: string | undefined,
  installed: InstalledVoices,
): Voice | undefined {
  const tag = FESTIVAL_LANGUAGE[festival.voice] ?? language;
  if (!tag) return undefined;
  const voice = voiceFor(tag, { engine: 'espeak-ng', voice: '' }, { festival: new Set(), espeak: installed.espeak });
  return voice?.engine === 'espeak-ng' && voice.voice ? voice : undefined;
}
