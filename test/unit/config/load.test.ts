import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load';
import { ConfigError } from '../../../src/config/errors';
import { SECRET_KEYS, SETTING_KEYS } from '../../../src/config/settings-schema';
import { SHIPPED_SECRET_VALUES } from '../../../src/config/secret-checks';
import { redactSettings } from '../../../src/config/redact';
import { REPO, STORE, VALID_SETTINGS, shortIssues, tempDir, writeConfig } from '../../helpers/paths';

function load(settings: Record<string, string>, stores: unknown, env: NodeJS.ProcessEnv = {}) {
  return loadConfig({ ...writeConfig(tempDir(), settings, stores), env, platform: 'linux' });
}

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return shortIssues(err.issues);
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('accepts a single store, an array, and {"stores": [...]}', () => {
    for (const shape of [STORE, [STORE], { stores: [STORE] }]) {
      const config = load(VALID_SETTINGS, shape);
      expect(config.stores.map((s) => s.store_veesion_id)).toEqual(['store-1']);
    }
  });

  it('applies the documented defaults', () => {
    const { settings } = load(VALID_SETTINGS, [STORE]);
    expect(settings.BRIDGE_HTTP_PORT).toBe(8787);
    expect(settings.VEESION_ALERT_ORIGIN).toBe('veesion');
    expect(settings.VEESION_ALERT_TEXT).toBe('Attention! Theft detected in ${storeId} on ${cameraId}');
    expect(settings.BRIDGE_ORIGINATOR).toEqual(['ami']);
    expect(settings.BRIDGE_VIDEO_HOSTS).toEqual(['*.veesion.io']);
  });

  it('lets the environment override the file', () => {
    const { settings } = load({ ...VALID_SETTINGS, BRIDGE_HTTP_PORT: '9000' }, [STORE], { BRIDGE_HTTP_PORT: '9100' });
    expect(settings.BRIDGE_HTTP_PORT).toBe(9100);
  });

  it('keeps unknown store keys, maps `user` and numeric ids to strings', () => {
    const [store] = load(VALID_SETTINGS, [{ ...STORE, audio_conf_id: 12, user: '201', extra: { a: 1 } }]).stores;
    expect(store).toMatchObject({ audio_conf_id: '12', veesion_user_extension: '201', extra: { a: 1 } });
  });

  it('lists every problem at once, each with its key path', () => {
    const issues = issuesOf(() =>
      load(
        { BRIDGE_HTTP_PORT: 'eighty', VEESION_HOOK_TOKEN: 'short' },
        { stores: [STORE, { ...STORE, audio_conf_id: 'a b' }, { name: 'x' }] },
      ),
    );
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'env.custom.ini: BRIDGE_HTTP_PORT',
        'env.custom.ini: VEESION_HOOK_TOKEN',
        'x-hoppers.json: stores[1].audio_conf_id',
        'x-hoppers.json: stores[2].store_veesion_id',
        'x-hoppers.json: stores[2].audio_conf_id',
      ]),
    );
  });

  it('rejects what would fail later: missing secrets, say on Linux, unknown template variables', () => {
    const issues = issuesOf(() =>
      load(
        {
          VEESION_HOOK_TOKEN: VALID_SETTINGS.VEESION_HOOK_TOKEN,
          BRIDGE_TTS_ENGINE: 'say',
          VEESION_ALERT_TEXT: 'Theft at ${shop}',
          VEESION_ALERT_CHANNEL: 'Local/${cameraId}@x',
        },
        [STORE],
      ),
    );
    const text = issues.map((i) => `${i.path}: ${i.message}`).join('\n');
    expect(text).toMatch(/BRIDGE_AMI_SECRET: required/);
    expect(text).toMatch(/BRIDGE_XBEES_TOKEN: required/);
    expect(text).toMatch(/BRIDGE_TTS_ENGINE: "say" cannot export/);
    expect(text).toMatch(/VEESION_ALERT_TEXT: unknown variable \$\{shop\}/);
    expect(text).toMatch(/VEESION_ALERT_CHANNEL: unknown variable \$\{cameraId\}/);
  });

  it("checks the originator list: known names, no repeats, the fallbacks' own settings", () => {
    const text = (settings: Record<string, string>) =>
      issuesOf(() => load({ ...VALID_SETTINGS, ...settings }, [STORE]))
        .map((i) => `${i.path}: ${i.message}`)
        .join('\n');
    expect(text({ BRIDGE_ORIGINATOR: 'ami,sip' })).toBe(
      'env.custom.ini: BRIDGE_ORIGINATOR[1]: Invalid option: expected one of "ami"|"callfile"|"wildix-api"|"smart-notifications"',
    );
    expect(text({ BRIDGE_ORIGINATOR: 'ami,callfile,ami' })).toMatch(/BRIDGE_ORIGINATOR: lists an originator twice/);
    expect(text({ BRIDGE_ORIGINATOR: 'wildix-api' })).toMatch(
      /BRIDGE_WILDIX_API_TOKEN: required for the wildix-api originator/,
    );
    expect(text({ BRIDGE_ORIGINATOR: 'callfile', BRIDGE_SPOOL_DIR: 'spool' })).toMatch(
      /BRIDGE_SPOOL_DIR: an absolute path/,
    );
    const ok = load(
      { ...VALID_SETTINGS, BRIDGE_ORIGINATOR: ' callfile , wildix-api', BRIDGE_WILDIX_API_TOKEN: 'tok-123456' },
      [STORE],
    ).settings;
    expect(ok).toMatchObject({
      BRIDGE_ORIGINATOR: ['callfile', 'wildix-api'],
      BRIDGE_SPOOL_DIR: '/var/spool/asterisk',
    });
    expect(JSON.stringify(redactSettings(ok))).not.toContain('tok-123456');
  });

  it('lists every problem of both files in one run, the cross-checks too, each naming its file as given', () => {
    const dir = tempDir();
    const files = writeConfig(dir, {}, [{ ...STORE, audio_conf_id: 'bad id' }]);
    const paths = issuesOf(() =>
      loadConfig({ envFile: files.envFile, storesFile: files.storesFile, env: {}, platform: 'linux' }),
    ).map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'env.custom.ini: VEESION_HOOK_TOKEN',
        'env.custom.ini: BRIDGE_AMI_SECRET',
        'env.custom.ini: BRIDGE_XBEES_TOKEN',
        'x-hoppers.json: [0].audio_conf_id',
      ]),
    );
    try {
      loadConfig({ envFile: files.envFile, storesFile: files.storesFile, env: {}, platform: 'linux' });
    } catch (err) {
      expect((err as ConfigError).issues.every((i) => i.path.startsWith(dir))).toBe(true);
    }
  });

  it('refuses the placeholder secrets of the shipped sample, and a hook URL that sends its token in clear text', () => {
    const text = (settings: Record<string, string>) =>
      issuesOf(() => load({ ...VALID_SETTINGS, ...settings }, [STORE])).map((i) => `${i.path}: ${i.message}`);
    expect(
      text({ VEESION_HOOK_TOKEN: 'change-me-to-a-long-random-string', BRIDGE_AMI_SECRET: 'CHANGE-ME-please' }),
    ).toEqual([
      expect.stringMatching(/^env.custom.ini: VEESION_HOOK_TOKEN: still the placeholder/),
      expect.stringMatching(/^env.custom.ini: BRIDGE_AMI_SECRET: still the placeholder/),
    ]);
    expect(text({ BRIDGE_XBEES_TOKEN: 'wsk-v1-change-me' })).toEqual([
      expect.stringMatching(/BRIDGE_XBEES_TOKEN: still the placeholder/),
    ]);
    expect(text({ VEESION_HOOK_URL: 'http://pbx.example.com/api/v1/veesion' })).toEqual([
      expect.stringMatching(/VEESION_HOOK_URL: plain http to pbx.example.com/),
    ]);
    for (const ok of [
      'http://127.0.0.1:8787/api/v1/veesion',
      'http://localhost/api/v1/veesion',
      'http://[::1]:8787/x',
      'https://pbx.example.com/api/v1/veesion',
    ]) {
      expect(load({ ...VALID_SETTINGS, VEESION_HOOK_URL: ok }, [STORE]).settings.VEESION_HOOK_URL).toBe(ok);
    }
  });

  it('the placeholders it refuses are every secret value the shipped files carry', () => {
    const shipped = ['deploy/examples/env.custom.ini', '.env.example']
      .flatMap((f) => readFileSync(join(REPO, f), 'utf8').split('\n'))
      .map((l) => /^([A-Z_]+)=(.+)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null && (SECRET_KEYS as readonly string[]).includes(m[1] ?? ''))
      .map((m) => m[2]);
    expect(shipped.length).toBeGreaterThan(0);
    expect(shipped.filter((v) => !SHIPPED_SECRET_VALUES.includes(v ?? ''))).toEqual([]);
  });

  it('a KEY= line is a setting left out, so the shipped settings file loads as it is', () => {
    const { settings } = load({ ...VALID_SETTINGS, BRIDGE_CHIME: '', BRIDGE_HTTP_PORT: '' }, [STORE]);
    expect(settings.BRIDGE_HTTP_PORT).toBe(8787);
    expect(settings.BRIDGE_CHIME).toBeUndefined();
  });

  it('reports unreadable files and broken JSON instead of defaulting', () => {
    expect(
      issuesOf(() => loadConfig({ envFile: '/nonexistent/env.ini', storesFile: '/nonexistent/x.json', env: {} })).map(
        (i) => i.message,
      ),
    )
      // Every problem at once: the settings the missing file would have had are named too.
      .toEqual([
        expect.stringContaining('ENOENT'),
        'required, not set',
        expect.stringContaining('ENOENT'),
        'required for the ami originator',
        "required: alerts are posted to the stores' x-bees channels",
      ]);
    expect(issuesOf(() => load(VALID_SETTINGS, '{"stores": [')).map((i) => i.message)).toEqual([
      expect.stringContaining('not valid JSON'),
    ]);
    expect(issuesOf(() => load(VALID_SETTINGS, [STORE, STORE])).map((i) => i.message)).toEqual([
      'duplicate store "store-1"',
    ]);
  });

  it('says "required" for a missing store field and names the expected type in plain words', () => {
    const { audio_conf_id: _omitted, ...noConference } = STORE;
    const lines = (stores: unknown) =>
      issuesOf(() => load(VALID_SETTINGS, stores)).map((i) => `${i.path}: ${i.message}`);
    expect(lines({ stores: [noConference] })).toEqual(['x-hoppers.json: stores[0].audio_conf_id: required, not set']);
    expect(lines([{ ...STORE, xbees_channel_id: true, name: 5, location: null, quiet_hours: 3 }])).toEqual([
      'x-hoppers.json: [0].name: expected text, got 5',
      'x-hoppers.json: [0].location: expected text, got null',
      'x-hoppers.json: [0].xbees_channel_id: expected text or a number, got true',
      'x-hoppers.json: [0].quiet_hours: expected text or a list, got 3',
    ]);
    expect(lines([{ ...STORE, name: '' }, 'store-2'])).toEqual([
      'x-hoppers.json: [0].name: must not be empty',
      'x-hoppers.json: [1]: expected an object, got "store-2"',
    ]);
    const settings = issuesOf(() =>
      load({ ...VALID_SETTINGS, BRIDGE_HTTP_PORT: '99999', BRIDGE_STORM_WINDOW_S: 'soon' }, [STORE]),
    ).map((i) => `${i.path}: ${i.message}`);
    expect(settings).toEqual([
      'env.custom.ini: BRIDGE_STORM_WINDOW_S: expected a number, got "soon"',
      'env.custom.ini: BRIDGE_HTTP_PORT: must be at most 65535',
    ]);
  });

  it('gives line, column and what was expected for broken JSON', () => {
    const message = (json: string) => issuesOf(() => load(VALID_SETTINGS, json)).map((i) => `${i.path}: ${i.message}`);
    expect(message('{"stores": [\n  {"store_veesion_id": "s1" "audio_conf_id": "7"}\n]}')).toEqual([
      "x-hoppers.json: not valid JSON at line 2, column 29: expected ',' between two items, found '\"audio_conf_id\"'",
    ]);
    expect(message('[\n  {"store_veesion_id": "s1", "audio_conf_id": 7, "xbees_channel_id": "c"},\n]')).toEqual([
      expect.stringMatching(
        /^x-hoppers.json: not valid JSON at line 3, column 1: expected a value, found ']' \(a comma after the last item is not allowed in JSON\)$/,
      ),
    ]);
    expect(message('{"stores": [')).toEqual([
      "x-hoppers.json: not valid JSON at line 1, column 13: expected ']' to close a list, found the end of the file",
    ]);
    expect(message('')).toEqual(['x-hoppers.json: not valid JSON at line 1, column 1: the file is empty']);
    expect(message('// stores\n[]')).toEqual([
      "x-hoppers.json: not valid JSON at line 1, column 1: comments are not allowed in JSON, found '// stores'",
    ]);
    // A byte-order mark (some Windows editors) is not an error.
    expect(load(VALID_SETTINGS, `\uFEFF${JSON.stringify([STORE])}`).stores).toHaveLength(1);
  });

  it('names the flag and variable that choose another file when a default path is missing, not when a named one is', () => {
    const dir = tempDir();
    const defaults = issuesOf(() => loadConfig({ env: {} }))
      .filter((i) => /ENOENT/.test(i.message))
      .map((i) => i.message);
    expect(defaults).toEqual([
      '/rw2/etc/env.custom.ini does not exist (ENOENT); it is the default path: name another file with --env-file or BRIDGE_ENV_FILE',
      '/rw2/etc/pbx/x-hoppers.json does not exist (ENOENT); it is the default path: name another file with --stores-file or BRIDGE_STORES_FILE',
    ]);
    const named = issuesOf(() =>
      loadConfig({ envFile: join(dir, 'env.ini'), env: { BRIDGE_STORES_FILE: join(dir, 'x.json') } }),
    ).filter((i) => /ENOENT/.test(i.message));
    expect(named.map((i) => i.message)).toEqual([
      `${join(dir, 'env.ini')} does not exist (ENOENT)`,
      `${join(dir, 'x.json')} does not exist (ENOENT)`,
    ]);
  });

  it('hides every secret when printed', () => {
    const shown = JSON.stringify(
      redactSettings(
        load({ ...VALID_SETTINGS, VEESION_USERNAME: 'u', VEESION_PASSWORD: 'pw-secret' }, [STORE]).settings,
      ),
    );
    for (const secret of [...Object.values(VALID_SETTINGS), 'pw-secret']) expect(shown).not.toContain(secret);
    expect(shown).toContain('HIDDEN');
  });

  it('checks the integration settings: e-mail notices need both a server and a contact, keys come in pairs', () => {
    const issues = issuesOf(() =>
      load(
        {
          ...VALID_SETTINGS,
          BRIDGE_OPERATOR_EMAIL: 'ops@example.com, not-an-address',
          BRIDGE_SQS_ACCESS_KEY_ID: 'AKIAEXAMPLE0000000',
          BRIDGE_INTEGRATION_RETRY_S: '0,60,soon',
          BRIDGE_SMTP_SECURITY: 'ssl',
        },
        [STORE],
      ),
    );
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'env.custom.ini: BRIDGE_OPERATOR_EMAIL[1]',
        'env.custom.ini: BRIDGE_INTEGRATION_RETRY_S[2]',
        'env.custom.ini: BRIDGE_SMTP_SECURITY',
      ]),
    );
    const crossIssues = issuesOf(() =>
      load(
        { ...VALID_SETTINGS, BRIDGE_OPERATOR_EMAIL: 'ops@example.com', BRIDGE_SQS_ACCESS_KEY_ID: 'AKIAEXAMPLE0000000' },
        [STORE],
      ),
    );
    expect(crossIssues.map((i) => i.path)).toEqual([
      'env.custom.ini: BRIDGE_SQS_SECRET_ACCESS_KEY',
      'env.custom.ini: BRIDGE_SMTP_HOST',
    ]);
    const ok = load(
      {
        ...VALID_SETTINGS,
        BRIDGE_SMTP_HOST: 'smtp.example.com',
        BRIDGE_OPERATOR_EMAIL: 'a@example.com,b@example.com',
        BRIDGE_SMTP_PASSWORD: 'p',
        BRIDGE_SMTP_USERNAME: 'u',
      },
      [STORE],
    ).settings;
    expect(ok.BRIDGE_OPERATOR_EMAIL).toEqual(['a@example.com', 'b@example.com']);
    expect(ok.BRIDGE_INTEGRATION_RETRY_S).toEqual([0, 60, 600, 3600, 86400]);
    expect(redactSettings(ok).BRIDGE_SMTP_PASSWORD).toBe('HIDDEN');
  });

  it('.env.example documents every setting the schema knows', () => {
    const example = readFileSync(join(REPO, '.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    expect(SETTING_KEYS.filter((k) => !documented.has(k))).toEqual([]);
  });
});
