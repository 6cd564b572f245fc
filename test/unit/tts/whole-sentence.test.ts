import { readdirSync } from 'node:fs';
import { ENGINES, type EngineName, type SpeechEngine } from '../../../src/tts/engines';
import { FESTIVAL_LETTERS_PER_SECOND, MIN_SHARE_OF_EXPECTED } from '../../../src/tts/festival-check';
import { sayableCount } from '../../../src/tts/festival-text';
import { StepError } from '../../../src/pipeline/step-error';
import { TtsRenderer, type Fallback } from '../../../src/tts/tts-renderer';
import { installedVoices } from '../../../src/tts/voices';
import { tempDir } from '../../helpers/paths';

/** espeak-ng's default speed said at most 14.6 letters and digits a second here: rounded up. */
const ESPEAK_LETTERS_PER_SECOND = 17;

/** The shortest a render of `text` may be and still be the whole sentence. */
function minimumMs(text: string, engine: EngineName): number {
  const rate = engine === 'festival' ? FESTIVAL_LETTERS_PER_SECOND : ESPEAK_LETTERS_PER_SECOND;
  return MIN_SHARE_OF_EXPECTED * (sayableCount(text) / rate) * 1000;
}

const SENTENCE: Record<string, (store: string, camera: string) => string> = {
  en: (store, camera) => `Attention! Theft detected in ${store} on camera ${camera}`,
  it: (store, camera) => `Attenzione! Furto rilevato nel negozio ${store}, telecamera ${camera}`,
  fr: (store, camera) => `Attention ! Vol détecté au magasin ${store}, caméra ${camera}`,
};

/** Store names and camera ids as stores type them. */
const NAMES: Array<[string, string]> = [
  ['Store 12/B', '7'],
  ['Store one', 'cam_4b/2'],
  ['Città #3', '12B'],
  ['Magasin Saint-Étienne', 'CAM-02/a'],
  ['Milano Duomo', '🎥 cam 7'],
  ['Łódź Manufaktura ★', 'entrée_2'],
];

/** Each engine with the voices it speaks here: language (undefined: the engine's default voice) and voice expected. */
const VOICES: Array<{ engine: EngineName; language: string | undefined; voice: string }> = [
  { engine: 'festival', language: undefined, voice: '' },
  { engine: 'festival', language: 'en', voice: 'cmu_us_slt_arctic_hts' },
  { engine: 'festival', language: 'it', voice: 'lp_diphone' },
  { engine: 'espeak-ng', language: 'en', voice: 'en-us' },
  { engine: 'espeak-ng', language: 'it', voice: 'it' },
  { engine: 'espeak-ng', language: 'fr', voice: 'fr-fr' },
];

const CASES = VOICES.flatMap((v) =>
  NAMES.map(([store, camera]) => ({ ...v, text: SENTENCE[v.language ?? 'en']!(store, camera) })),
);

describe('every sentence is said whole, by the real engines', () => {
  const renderers = new Map<string, { tts: TtsRenderer; fallbacks: Fallback[] }>();
  const rendererFor = (engine: EngineName) => {
    let r = renderers.get(engine);
    if (!r) {
      const fallbacks: Fallback[] = [];
      // espeak-ng's renderer is told of no Festival voice, else the languages Festival speaks go to Festival.
      const installed =
        engine === 'festival' ? installedVoices() : { ...installedVoices(), festival: new Set<string>() };
      r = {
        tts: new TtsRenderer({
          engine,
          voice: '',
          cacheDir: tempDir(),
          timeoutMs: 20_000,
          spareEngines: false,
          installed,
          onFallback: (f) => fallbacks.push(f),
        }),
        fallbacks,
      };
      renderers.set(engine, r);
    }
    return r;
  };
  afterAll(async () => {
    for (const { tts } of renderers.values()) await tts.stop();
  });

  it.each(CASES)('$engine $voice: $text', async ({ engine, language, voice, text }) => {
    const { tts, fallbacks } = rendererFor(engine);
    expect(tts.voice(language)).toEqual({ engine, voice });
    const speech = await tts.render(text, language);
    // Festival said it itself: what it was given, it could say.
    expect(fallbacks.filter((f) => f.sentence === text)).toEqual([]);
    expect(speech.durationMs).toBeGreaterThanOrEqual(minimumMs(text, engine));
  });
});

describe('a sentence Festival cuts is spoken with espeak-ng', () => {
  const text = 'Attention! Theft detected in Store 12/B on camera 7';
  const LTS_ERROR = 'LTS_Ruleset ora_data_tel_token: no rule matches: \nLTS_Ruleset: # 1 2 *here* / b # \n';

  /** Festival as it fails: exits 0 with the sentence up to the token it has no rule for. */
  function cutFestival(calls: string[], cut: (audio: Buffer) => Buffer | Promise<Buffer>): SpeechEngine {
    return async (sentence, voice, timeoutMs) => {
      calls.push(voice);
      if (voice === 'en-us') return ENGINES['espeak-ng'](sentence, voice, timeoutMs);
      return cut(await ENGINES.festival('Attention! Theft detected in Store 12', voice, timeoutMs));
    };
  }

  it.each([
    ['no rule matches on stderr', 'letter-to-sound', (audio: Buffer) => Object.assign(audio, { stderr: LTS_ERROR })],
    ['too short, nothing on stderr', 'too short', async () => ENGINES.festival('Attention', '', 20_000)],
    [
      'crashed',
      'engine failed',
      () => {
        throw new StepError('TTS_ENGINE_FAILED', 'internal', 'text2wave exited with SIGSEGV');
      },
    ],
  ] as const)('%s: espeak-ng says it whole, reported once, cached under the sentence', async (_case, reason, cut) => {
    const calls: string[] = [];
    const fallbacks: Fallback[] = [];
    const dir = tempDir();
    const tts = new TtsRenderer({
      engine: 'festival',
      voice: '',
      cacheDir: dir,
      timeoutMs: 20_000,
      spareEngines: false,
      installed: { festival: new Set(), espeak: new Set(['en-us']) },
      synthesize: cutFestival(calls, cut),
      onFallback: (f) => fallbacks.push(f),
    });
    const speech = await tts.render(text);
    expect(calls).toEqual(['', 'en-us']);
    expect(fallbacks).toEqual([
      { engine: 'festival', voice: '', reason, spokenWith: 'en-us', key: tts.cacheKey(text), sentence: text },
    ]);
    expect(speech.durationMs).toBeGreaterThanOrEqual(minimumMs(text, 'espeak-ng'));
    // The file under the sentence's key is espeak-ng's render, as espeak-ng renders it itself.
    const espeak = await new TtsRenderer({
      engine: 'espeak-ng',
      voice: 'en-us',
      cacheDir: tempDir(),
      timeoutMs: 20_000,
      spareEngines: false,
    }).render(text);
    expect(speech.durationMs).toBe(espeak.durationMs);
    expect(await tts.isCached(text)).toBe(true);
    expect(await tts.render(text)).toMatchObject({ cached: true, playbackPath: speech.playbackPath });
    // Rendered again (the file pruned): not reported again.
    const { rmSync } = await import('node:fs');
    rmSync(`${speech.playbackPath}.wav`);
    expect(await tts.render(text)).toMatchObject({ cached: false });
    expect(fallbacks).toHaveLength(1);
    await tts.stop();
  });

  it('without an espeak-ng voice for the language, the render fails and nothing cut is kept', async () => {
    const calls: string[] = [];
    const fallbacks: Fallback[] = [];
    const dir = tempDir();
    const tts = new TtsRenderer({
      engine: 'festival',
      voice: '',
      cacheDir: dir,
      timeoutMs: 20_000,
      spareEngines: false,
      installed: { festival: new Set(), espeak: new Set(['it']) },
      synthesize: cutFestival(calls, (audio) => Object.assign(audio, { stderr: LTS_ERROR })),
      onFallback: (f) => fallbacks.push(f),
    });
    const failure = await tts.render(text).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(StepError);
    expect(failure).toMatchObject({ code: 'TTS_INCOMPLETE', kind: 'internal' });
    expect(calls).toEqual(['']);
    expect(fallbacks).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
    await tts.stop();
  });
});
