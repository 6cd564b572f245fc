import { writeFileSync } from 'node:fs';
import * as ini from 'ini';
import { loadConfig } from '../../../src/config/load';
import { ConfigError } from '../../../src/config/errors';
import { editDistance } from '../../../src/config/ini-warnings';
import { STORE, VALID_SETTINGS, tempDir, writeConfig, shortIssues, shortPaths } from '../../helpers/paths';

const BASE = Object.entries(VALID_SETTINGS)
  .map(([k, v]) => `${k}=${v}`)
  .join('\n');

/** Loads a config whose env.custom.ini is `lines` after the valid settings. */
function load(lines: string, env: NodeJS.ProcessEnv = {}) {
  const files = writeConfig(tempDir(), {}, [STORE]);
  writeFileSync(files.envFile, `${BASE}\n${lines}\n`);
  return loadConfig({ ...files, env, platform: 'linux' });
}
const text = (warnings: { path: string; message: string }[]) =>
  shortIssues(warnings).map((w) => `${w.path}: ${w.message}`);

describe('config warnings (the config still loads)', () => {
  it('names an unknown VEESION_/BRIDGE_ key in the file, with the known key it is probably a typo of', () => {
    const config = load('VEESION_ALERT_CHANEL=Local/${audio_conf_id}@conf\nBRIDGE_AMI_SECERT=x\nVEESION_AMI_PORT=5039');
    expect(text(config.warnings)).toEqual([
      'env.custom.ini: VEESION_ALERT_CHANEL: unknown key, ignored; did you mean VEESION_ALERT_CHANNEL?',
      'env.custom.ini: BRIDGE_AMI_SECERT: unknown key, ignored; did you mean BRIDGE_AMI_SECRET?',
      'env.custom.ini: VEESION_AMI_PORT: unknown key, ignored; did you mean BRIDGE_AMI_PORT?',
    ]);
    // The typo'd key really is ignored: the default applies.
    expect(config.settings.VEESION_ALERT_CHANNEL).toBe('Local/${audio_conf_id}@xhoppers-conf');
  });

  it("suggests nothing when no known key is near, and leaves the PBX's own keys alone", () => {
    const config = load('BRIDGE_FLUX_CAPACITOR=1\nWMS_LANGUAGE=it\nSIP_PORT=5060\n[section]\nBRIDGE_IN_SECTION=1');
    expect(text(config.warnings)).toEqual([
      'env.custom.ini: BRIDGE_FLUX_CAPACITOR: unknown key, ignored (the known keys are listed in .env.example)',
    ]);
  });

  it('warns about unknown VEESION_/BRIDGE_ variables in the environment only, not the file selectors or other variables', () => {
    const config = load('', {
      BRIDGE_HTTP_PROT: '9000',
      BRIDGE_ENV_FILE: '/x',
      BRIDGE_HTTP_PORT: '9001',
      HOME: '/root',
      LANG: 'C',
    });
    expect(text(config.warnings)).toEqual([
      'environment: BRIDGE_HTTP_PROT: unknown variable, ignored; did you mean BRIDGE_HTTP_PORT?',
    ]);
  });

  it('says which value an unquoted ; or # cut short, what it became, and how to quote it', () => {
    const config = load(
      'VEESION_ALERT_TEXT=Theft in ${storeId}; call security\nBRIDGE_TTS_VOICE=en#2\nOTHER_PBX_KEY=a;b',
    );
    expect(text(config.warnings)).toEqual([
      'env.custom.ini: VEESION_ALERT_TEXT: line 4: the value ends at the unquoted \';\' (the rest is read as a comment), so it is "Theft in ${storeId}"; ' +
        'if the rest belongs to the value, quote it: VEESION_ALERT_TEXT="Theft in ${storeId}; call security" (a comment goes on its own line)',
      expect.stringMatching(
        /^env.custom.ini: BRIDGE_TTS_VOICE: line 5: the value ends at the unquoted '#' .* so it is "en"; .* BRIDGE_TTS_VOICE="en#2"/,
      ),
    ]);
    expect(config.settings.VEESION_ALERT_TEXT).toBe('Theft in ${storeId}');
  });

  it('never shows a secret that was cut short, not even its start', () => {
    const config = load('BRIDGE_XBEES_TOKEN=wsk-v1-abc;defghijk');
    expect(text(config.warnings)).toEqual([
      expect.stringContaining(
        'so it is (value hidden: a secret); if the rest belongs to the value, quote it: BRIDGE_XBEES_TOKEN="<the whole value>"',
      ),
    ]);
    expect(JSON.stringify(config.warnings)).not.toContain('abc');
  });

  it('does not warn about escaped or quoted values, and the advice it prints is what `ini` reads back', () => {
    const config = load(
      'VEESION_ALERT_TEXT="Theft; in \\"${storeId}\\" #1"\nVEESION_ALERT_TEXT_MANY=Thefts \\#2\\; go\nBRIDGE_AMI_USERNAME=\'a;b\'',
    );
    expect(config.warnings).toEqual([]);
    expect(config.settings).toMatchObject({
      VEESION_ALERT_TEXT: 'Theft; in "${storeId}" #1',
      VEESION_ALERT_TEXT_MANY: 'Thefts #2; go',
      BRIDGE_AMI_USERNAME: 'a;b',
    });
    // The advice is the value as a JSON string: ini parses it back to the exact value, backslashes included.
    const value = 'C:\\alerts; "${storeId}" #1';
    const advised = /quote it: (\S+=".*") \(a comment/.exec(
      text(load(`VEESION_ALERT_TEXT=${value}`).warnings)[0] ?? '',
    )?.[1];
    expect(ini.parse(advised ?? '').VEESION_ALERT_TEXT).toBe(value);
  });

  it('warns when double quotes stay part of the value because of a bad escape inside them', () => {
    const config = load('VEESION_ALERT_TEXT="C:\\alerts; x"');
    expect(config.settings.VEESION_ALERT_TEXT).toBe('"C:\\alerts; x"'); // how ini 6 reads it
    expect(text(config.warnings)).toEqual([
      expect.stringContaining('VEESION_ALERT_TEXT: line 4: the double quotes stay part of the value'),
    ]);
  });

  it('keeps the warnings beside the errors when the config is refused: a cut value often explains an error', () => {
    try {
      load('VEESION_HOOK_TOKEN=abc;defghijklmnopqrstu');
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const e = err as ConfigError;
      expect(text(e.warnings)).toEqual([
        expect.stringContaining("VEESION_HOOK_TOKEN: line 4: the value ends at the unquoted ';'"),
      ]);
      expect(shortPaths(e.message)).toMatch(
        /invalid configuration:\n {2}- env.custom.ini: VEESION_HOOK_TOKEN: must be at least 16 .*\nwarnings:\n {2}- env.custom.ini: VEESION_HOOK_TOKEN: line 4/,
      );
      expect(e.message).not.toContain('abc');
    }
  });

  it('counts a swap of two neighbours as one edit', () => {
    expect(editDistance('SECERT', 'SECRET')).toBe(1);
    expect(editDistance('CHANEL', 'CHANNEL')).toBe(1);
    expect(editDistance('', 'ABC')).toBe(3);
  });
});
