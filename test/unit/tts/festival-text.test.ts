import { festivalInput, festivalText, sayableCount } from '../../../src/tts/festival-text';
import { FESTIVAL_LETTERS_PER_SECOND, festivalShortfall } from '../../../src/tts/festival-check';
import { espeakVoiceFor } from '../../../src/tts/voices';
import { silentWav } from '../../helpers/wav';

/** A WAV of `ms` milliseconds of silence, 16 kHz mono 16-bit, as text2wave writes to a pipe. */
function wav(ms: number, stderr?: string): Buffer & { stderr?: string } {
  const out = silentWav(ms, 16_000);
  return stderr === undefined ? out : Object.assign(out, { stderr });
}

describe('festivalText: words Festival can say', () => {
  it.each([
    ['Attention! Theft detected in Store 12/B on camera 7', 'Attention! Theft detected in Store 12 B on camera 7'],
    ['cam_4b/2', 'cam 4 b 2'],
    ['CAM12B-2', 'CAM 12 B 2'],
    ['Città #3', 'Città 3'],
    ['Magasin Saint-Étienne', 'Magasin Saint-Étienne'],
    ['Milano Duomo', 'Milano Duomo'],
    ["Negozio dell'Università", "Negozio dell'Università"],
    ['Negozio dell\u2019Arte', "Negozio dell'Arte"],
    ['🎥 cam 7', 'cam 7'],
    ['Crêperie Straße', 'Creperie Strasse'],
    ['Łódź Œuvre', 'Lódz OEuvre'],
    ['Store １２', 'Store 12'],
    ['Attention ! Vol', 'Attention! Vol'],
    ["0!7 then 7' and a;b", '0 7 then 7 and a b'],
    ['x") (system "touch /tmp/p") ("; $(id) `id`', 'x system touch tmp p; id id'],
    ['★ ☎ €', ''],
  ])('%j -> %j', (text, said) => {
    expect(festivalText(text)).toBe(said);
  });

  it('keeps the accented letters every voice says, and hands the text over in Latin-1', () => {
    const bytes = festivalInput('Città Saint-Étienne 🎥');
    expect(bytes.equals(Buffer.from('Citt\u00e0 Saint-\u00c9tienne\n', 'latin1'))).toBe(true);
    expect([...bytes].every((b) => b < 0xff)).toBe(true);
  });

  it('counts the letters and digits said', () => {
    expect(sayableCount('cam_4b/2')).toBe(6);
    expect(sayableCount('🎥')).toBe(0);
  });
});

describe('festivalShortfall: a render that is not the whole sentence', () => {
  const sentence = 'Attention! Theft detected in Store 12/B on camera 7';
  const expectedMs = (sayableCount(sentence) / FESTIVAL_LETTERS_PER_SECOND) * 1000;

  it('takes a letter-to-sound error as a cut sentence, however long the audio', () => {
    expect(
      festivalShortfall(
        sentence,
        wav(5000, 'LTS_Ruleset ora_data_tel_token: no rule matches: \nLTS_Ruleset: # 1 2 *here* / b #\n'),
      ),
    ).toBe('letter-to-sound');
    expect(festivalShortfall(sentence, wav(5000, 'SIOD ERROR: wrong type of argument to get_c_utt\n'))).toBe(
      'letter-to-sound',
    );
  });

  it('takes audio under 40% of the expected length as cut, and no audio as none', () => {
    expect(festivalShortfall(sentence, wav(expectedMs * 0.3))).toBe('too short');
    expect(festivalShortfall(sentence, wav(0))).toBe('no audio');
    expect(festivalShortfall(sentence, Buffer.alloc(0))).toBe('no audio');
  });

  it('accepts a whole render, warnings about diphones included', () => {
    expect(
      festivalShortfall(sentence, wav(expectedMs * 0.5, 'UniSyn: using default diphone ax-ax for w-n\n')),
    ).toBeUndefined();
    expect(festivalShortfall(sentence, wav(4600))).toBeUndefined();
  });
});

describe('espeakVoiceFor: who says what Festival could not', () => {
  const installed = { festival: new Set<string>(), espeak: new Set(['en-us', 'it', 'fr-fr']) };
  it("is espeak-ng in the Festival voice's language", () => {
    expect(espeakVoiceFor({ engine: 'festival', voice: '' }, undefined, installed)).toEqual({
      engine: 'espeak-ng',
      voice: 'en-us',
    });
    expect(espeakVoiceFor({ engine: 'festival', voice: 'lp_diphone' }, 'fr', installed)).toEqual({
      engine: 'espeak-ng',
      voice: 'it',
    });
    expect(espeakVoiceFor({ engine: 'festival', voice: 'some_custom_voice' }, 'fr-FR', installed)).toEqual({
      engine: 'espeak-ng',
      voice: 'fr-fr',
    });
  });
  it('is none when espeak-ng has no voice for it', () => {
    expect(
      espeakVoiceFor({ engine: 'festival', voice: 'cmu_us_slt_arctic_hts' }, 'en', {
        festival: new Set(),
        espeak: new Set(['it']),
      }),
    ).toBeUndefined();
    expect(espeakVoiceFor({ engine: 'festival', voice: 'some_custom_voice' }, undefined, installed)).toBeUndefined();
  });
});
