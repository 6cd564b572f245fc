import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ini from 'ini';
import {
  commentLines,
  sectionProblems,
  settingsFileText,
  shownValue,
  SETTINGS_SECTIONS,
} from '../../../src/config/settings-doc';
import { SETTING_DESCRIPTIONS } from '../../../src/config/settings-descriptions';
import { SECRET_KEYS, SETTING_KEYS, settingsSchema } from '../../../src/config/settings-schema';
import { REPO, VALID_SETTINGS } from '../../helpers/paths';

describe('the shipped settings file', () => {
  it('is the text the schema writes: run `npm run settings-file` after changing a setting', () => {
    const committed = readFileSync(join(REPO, '.env.example'), 'utf8');
    const generated = settingsFileText();
    if (committed !== generated) {
      const a = committed.split('\n');
      const b = generated.split('\n');
      const at = a.findIndex((line, i) => line !== b[i]);
      const line = at === -1 ? b.length : at + 1;
      throw new Error(
        `.env.example differs from the settings schema at line ${line}: run \`npm run settings-file\` and commit the file\n` +
          `  committed: ${a[line - 1] ?? '(end of file)'}\n  generated: ${b[line - 1] ?? '(end of file)'}`,
      );
    }
  });

  it('lists every setting once, each with a description, and describes no other key', () => {
    expect(sectionProblems()).toEqual([]);
    expect(Object.keys(SETTING_DESCRIPTIONS).sort()).toEqual([...SETTING_KEYS].sort());
    for (const key of SETTING_KEYS) expect(settingsSchema.shape[key].description).toBe(SETTING_DESCRIPTIONS[key]);
  });

  it('names what is wrong when the sections and the schema disagree', () => {
    const [first, ...rest] = SETTINGS_SECTIONS;
    if (!first) throw new Error('no sections');
    const broken = [{ ...first, keys: [...first.keys.slice(1), 'BRIDGE_HTTP_PORT' as const] }, ...rest];
    expect(sectionProblems(broken)).toEqual(['BRIDGE_HTTP_PORT is listed twice', `${first.keys[0]} is in no section`]);
  });

  it('shows the defaults, the Linux one where the platform decides, and no value for secrets or unset settings', () => {
    expect(shownValue('BRIDGE_ANNOUNCE_RETRY_S')).toBe('0,2,5,15,30,60');
    expect(shownValue('BRIDGE_AUDIO_RATE')).toBe('8000');
    expect(shownValue('BRIDGE_VIDEO_MAX_BYTES')).toBe('52428800');
    expect(shownValue('BRIDGE_TTS_ENGINE')).toBe('espeak-ng');
    expect(shownValue('BRIDGE_CHIME')).toBe('');
    for (const key of SECRET_KEYS) expect(shownValue(key)).toBe('');
  });

  it('shows values the schema accepts and reads back as its own defaults', () => {
    // The schema's own default sender has no dotted domain, which a written address needs: its
    // description says so, and it is the one shown value left out here.
    const refusedDefault = 'BRIDGE_SMTP_FROM';
    expect(settingsSchema.shape[refusedDefault].safeParse(shownValue(refusedDefault)).success).toBe(false);
    const shown = Object.entries(ini.parse(settingsFileText())).filter(([k, v]) => v !== '' && k !== refusedDefault);
    const fromFile = settingsSchema.parse({ ...Object.fromEntries(shown), ...VALID_SETTINGS });
    const defaults = settingsSchema.parse({ ...VALID_SETTINGS, BRIDGE_TTS_ENGINE: 'espeak-ng' });
    expect(fromFile).toEqual(defaults);
  });

  it('says what the code does: the journal shared on PostgreSQL, the AMI rights of manager-veesion.conf', () => {
    const text = settingsFileText();
    expect(text).not.toMatch(/not yet on PostgreSQL/i);
    const conf = readFileSync(join(REPO, 'deploy/asterisk/manager-veesion.conf'), 'utf8');
    const rights = Object.fromEntries(
      [...conf.matchAll(/^(read|write)\s*=\s*(.+)$/gm)].map((m) => [m[1], m[2]?.trim()]),
    );
    expect(SETTING_DESCRIPTIONS.BRIDGE_AMI_USERNAME).toContain(`read = ${rights.read} and write = ${rights.write}`);
  });

  it('wraps comments at 96 characters without cutting a command in two', () => {
    const lines = commentLines('Make one with `openssl rand -hex 24` '.repeat(6));
    expect(lines.every((l) => l.length <= 96 && l.startsWith('# '))).toBe(true);
    expect(lines.join(' ').match(/`[^`]*`/g)).toEqual(Array(6).fill('`openssl rand -hex 24`'));
    expect(commentLines('one\ntwo')).toEqual(['# one', '# two']);
  });
});
