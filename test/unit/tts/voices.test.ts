import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TtsRenderer } from '../../../src/tts/tts-renderer';
import { installedVoices, voiceFor } from '../../../src/tts/voices';
import { unspokenLanguages } from '../../../src/tts/language-check';
import { BUILT_IN, sentencesFor } from '../../../src/pipeline/sentences';
import { renderTemplate } from '../../../src/pipeline/template';
import { decodeWav, PEAK_CEILING_DBFS, TARGET_RMS_DBFS } from '../../../src/tts/pcm';
import { readWavInfo } from '../../../src/tts/wav';
import { rmsDbfs } from '../../helpers/wav';
import { tempDir } from '../../helpers/paths';

const GLOBAL = { engine: 'espeak-ng' as const, voice: '' };

describe('the voice of a language', () => {
  const installed = {
    festival: new Set(['cmu_us_slt_arctic_hts', 'lp_diphone']),
    espeak: new Set(['en-us', 'fr-fr', 'it', 'de', 'es']),
  };

  it('Festival for English and Italian when installed, espeak-ng otherwise; BRIDGE_TTS_VOICE overrides; nothing for an unknown language', () => {
    expect(voiceFor('en-GB', GLOBAL, installed)).toEqual({ engine: 'festival', voice: 'cmu_us_slt_arctic_hts' });
    expect(voiceFor('it-IT', GLOBAL, installed)).toEqual({ engine: 'festival', voice: 'lp_diphone' });
    expect(voiceFor('it-IT', GLOBAL, { ...installed, festival: new Set() })).toEqual({
      engine: 'espeak-ng',
      voice: 'it',
    });
    expect(voiceFor('fr-FR', GLOBAL, installed)).toEqual({ engine: 'espeak-ng', voice: 'fr-fr' });
    expect(voiceFor('de', GLOBAL, installed)).toEqual({ engine: 'espeak-ng', voice: 'de' });
    expect(voiceFor('xx-YY', GLOBAL, installed)).toBeUndefined();
    expect(voiceFor(undefined, GLOBAL, installed)).toEqual(GLOBAL);
    expect(voiceFor('fr-FR', { engine: 'espeak-ng', voice: 'mb-fr1' }, installed)).toEqual({
      engine: 'espeak-ng',
      voice: 'mb-fr1',
    });
  });

  it('check-config names each store whose language nobody speaks', () => {
    const stores = [
      { store_veesion_id: 'a', name: 'A', audio_conf_id: '1', xbees_channel_id: 'c', language: 'fr-FR' },
      { store_veesion_id: 'b', name: 'B', audio_conf_id: '2', xbees_channel_id: 'c', language: 'tlh' },
    ];
    expect(unspokenLanguages(stores, { BRIDGE_TTS_ENGINE: 'espeak-ng', BRIDGE_TTS_VOICE: '' }, installed)).toEqual([
      {
        path: 'x-hoppers.json: stores[1].language',
        message: expect.stringContaining('no installed speech engine speaks tlh (b)'),
      },
    ]);
  });

  it("a store's alert_text wins over its language, which wins over the global templates", () => {
    const globals = { ...BUILT_IN.en, single: 'GLOBAL ${cameraId}' };
    const store = { store_veesion_id: 's', name: 'Negozio', audio_conf_id: '1', xbees_channel_id: 'c' };
    expect(sentencesFor(store, globals).single).toBe('GLOBAL ${cameraId}');
    expect(
      renderTemplate(sentencesFor({ ...store, language: 'it-IT' }, globals).single, { name: 'Negozio', cameraId: '4' }),
    ).toBe('Attenzione! Furto rilevato a Negozio, telecamera 4');
    expect(sentencesFor({ ...store, language: 'it-IT', alert_text: 'Ladro alla ${cameraId}' }, globals).single).toBe(
      'Ladro alla ${cameraId}',
    );
    expect(sentencesFor({ ...store, language: 'it-IT' }, globals).and).toBe('e');
  });
});

/** The real engines this machine has (scripts/setup.sh installs Festival's English and Italian voices). */
describe.each([
  ['en-US', 'festival', 'cmu_us_slt_arctic_hts'],
  ['it-IT', 'festival', 'lp_diphone'],
  ['fr-FR', 'espeak-ng', 'fr-fr'],
  ['de-DE', 'espeak-ng', 'de'],
  ['es-ES', 'espeak-ng', 'es'],
])('%s with the real engine', (language, engine, voice) => {
  it.each([8000, 16000])(
    'speaks its built-in sentence at %i Hz: mono 16-bit, its length, at the loudness target, never clipped',
    async (rate) => {
      const tts = new TtsRenderer({
        ...GLOBAL,
        cacheDir: tempDir(),
        timeoutMs: 20_000,
        rate,
        installed: installedVoices(),
      });
      try {
        expect(tts.voice(language)).toEqual({ engine, voice });
        const base = language.slice(0, 2) as keyof typeof BUILT_IN;
        const text = renderTemplate(BUILT_IN[base].single, { name: 'Roma 3', cameraId: '7' });
        const rendered = await tts.render(text, language);
        const wav = readFileSync(`${rendered.playbackPath}.wav`);
        const info = readWavInfo(wav);
        expect([info.sampleRate, info.channels, info.bitsPerSample]).toEqual([rate, 1, 16]);
        // The length of the audio (what the conference hears), not how long rendering took.
        const spokenMs = info.durationMs;
        expect(spokenMs).toBeGreaterThan(1500); // a whole sentence, not a click
        expect(spokenMs).toBeLessThan(15_000); // one sentence, not a runaway or repeated one
        expect(rendered.durationMs).toBe(info.durationMs);
        expect(Math.abs(rmsDbfs(wav, info) - TARGET_RMS_DBFS)).toBeLessThan(1);
        const samples = decodeWav(wav).samples;
        expect(20 * Math.log10(samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0))).toBeLessThanOrEqual(
          PEAK_CEILING_DBFS + 0.01,
        );
        expect(samples.some((v) => Math.abs(v) >= 32767 / 32768)).toBe(false);
        expect(await tts.isCached(text, language)).toBe(true);
      } finally {
        await tts.stop();
      }
    },
    60_000,
  );
});

describe('a language nobody speaks', () => {
  it('fails the render as bad input (not retried), naming the language', async () => {
    const tts = new TtsRenderer({
      ...GLOBAL,
      cacheDir: join(tempDir(), 'c'),
      timeoutMs: 5_000,
      installed: { festival: new Set(), espeak: new Set(['en']) },
    });
    await expect(tts.render('hello', 'tlh')).rejects.toMatchObject({
      code: 'TTS_NO_VOICE',
      kind: 'bad-input',
      message: expect.stringContaining('tlh'),
    });
    await tts.stop();
  });
});
