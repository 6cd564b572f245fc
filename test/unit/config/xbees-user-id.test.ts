import { checkConfig } from '../../../src/cli/check-config';
import { CliExit, EXIT } from '../../../src/cli/exit-codes';
import { loadConfig } from '../../../src/config/load';
import { STORE, VALID_SETTINGS, shortPaths, tempDir, writeConfig } from '../../helpers/paths';

/**
 * check-config on who the x-bees posts act for. Sources: Wildix/sdk-examples,
 * examples/conversation-api-send-message/README.md (a PBX token sends `userId`, the x-bees user
 * id found with `wx.stream._user.id` in x-bees' browser console, a member of the channel) and
 * examples/chatbot-simple/src/index.ts (a bot token posts with no userId).
 */
const PBX_TOKEN = 'pbx-token-secret-value';

function run(
  settings: Record<string, string>,
  stores: unknown[] = [STORE],
  json = true,
): { code: number; out: string } {
  const files = writeConfig(tempDir(), { ...VALID_SETTINGS, ...settings }, stores);
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    checkConfig({ envFile: files.envFile, storesFile: files.storesFile, json });
    return { code: EXIT.ok, out: shortPaths(written.join('')) };
  } catch (err) {
    // With --json the report is on stdout, valid or not; the human form is the exit's message.
    if (err instanceof CliExit) return { code: err.exitCode, out: shortPaths(written.join('') || err.message) };
    throw err;
  } finally {
    spy.mockRestore();
  }
}

type Report = {
  ok: boolean;
  issues?: { path: string; message: string }[];
  warnings: { path: string; message: string }[];
};

describe('check-config: the x-bees token and user id', () => {
  it('accepts a bot token (wsk-v1-...) with no user id and no warning', () => {
    const r = run({});
    expect(r.code).toBe(EXIT.ok);
    expect((JSON.parse(r.out) as Report).warnings).toEqual([]);
  });

  it('refuses a PBX token without any user id (exit 78), saying where to find it: wx.stream._user.id', () => {
    const r = run({ BRIDGE_XBEES_TOKEN: PBX_TOKEN }, [
      STORE,
      { ...STORE, store_veesion_id: 'store-2', audio_conf_id: '8', xbees_user_id: 'u-store-2' },
    ]);
    expect(r.code).toBe(EXIT.config);
    const report = JSON.parse(r.out) as Report;
    expect(report.issues).toEqual([
      {
        path: 'env.custom.ini: BRIDGE_XBEES_USER_ID',
        message: expect.stringContaining('required with a PBX token for store-1 '),
      },
    ]);
    expect(report.issues?.[0]?.message).toContain("in the browser's developer console: wx.stream._user.id");
    expect(report.issues?.[0]?.message).toContain("member of each store's channel");
    expect(r.out).not.toContain(PBX_TOKEN);
  });

  it('the human form says the same', () => {
    const r = run({ BRIDGE_XBEES_TOKEN: PBX_TOKEN }, [STORE], false);
    expect(r.code).toBe(EXIT.config);
    expect(r.out).toMatch(/- env.custom.ini: BRIDGE_XBEES_USER_ID: required with a PBX token .*wx\.stream\._user\.id/);
  });

  it('accepts a PBX token with BRIDGE_XBEES_USER_ID, warning that the token may expire', () => {
    const r = run({ BRIDGE_XBEES_TOKEN: PBX_TOKEN, BRIDGE_XBEES_USER_ID: 'u-stream-1' });
    expect(r.code).toBe(EXIT.ok);
    const report = JSON.parse(r.out) as Report & { settings: Record<string, unknown> };
    expect(report.warnings).toEqual([
      { path: 'env.custom.ini: BRIDGE_XBEES_TOKEN', message: expect.stringContaining('may expire') },
    ]);
    // The user id is not a secret; the token is.
    expect(report.settings.BRIDGE_XBEES_USER_ID).toBe('u-stream-1');
    expect(r.out).not.toContain(PBX_TOKEN);
  });

  it('accepts a PBX token when every store names its own xbees_user_id', () => {
    const r = run({ BRIDGE_XBEES_TOKEN: PBX_TOKEN }, [{ ...STORE, xbees_user_id: 'u-store-1' }]);
    expect(r.code).toBe(EXIT.ok);
    const report = JSON.parse(r.out) as Report & { stores: { xbees_user_id?: string }[] };
    expect(report.stores[0]?.xbees_user_id).toBe('u-store-1');
    expect(report.warnings.map((w) => w.path)).toEqual(['env.custom.ini: BRIDGE_XBEES_TOKEN']);
  });

  it('warns that user ids are unused with a bot token', () => {
    const r = run({ BRIDGE_XBEES_USER_ID: 'u-stream-1' }, [{ ...STORE, xbees_user_id: 'u-store-1' }]);
    expect(r.code).toBe(EXIT.ok);
    expect((JSON.parse(r.out) as Report).warnings.map((w) => `${w.path}: ${w.message}`)).toEqual([
      'env.custom.ini: BRIDGE_XBEES_USER_ID: unused with a bot token (wsk-...): the bot posts as itself',
      'x-hoppers.json: xbees_user_id of store-1 unused with a bot token (wsk-...): the bot posts as itself',
    ]);
  });
});

describe('xbees_user_id and BRIDGE_XBEES_USER_ID values', () => {
  const load = (settings: Record<string, string>, stores: unknown[]) => () =>
    loadConfig({ ...writeConfig(tempDir(), { ...VALID_SETTINGS, ...settings }, stores), env: {}, platform: 'linux' });

  it('keeps the extension in the store as Wildix defines it, beside the x-bees user id, and unknown keys too', () => {
    const [store] = load({}, [{ ...STORE, veesion_user_extension: '201', xbees_user_id: ' u-1 ', extra: 1 }])().stores;
    expect(store).toMatchObject({ veesion_user_extension: '201', xbees_user_id: 'u-1', extra: 1 });
  });

  it.each(['', 'a b', 'x'.repeat(129), 'u\nid', '-leading', 'u/id'])('refuses %j in x-hoppers.json', (bad) => {
    expect(load({}, [{ ...STORE, xbees_user_id: bad }])).toThrow(/xbees_user_id: .*an x-bees user id/);
  });

  it.each(['a b', 'x'.repeat(129), '-leading', 'u/id'])('refuses BRIDGE_XBEES_USER_ID=%j', (bad) => {
    expect(load({ BRIDGE_XBEES_USER_ID: bad }, [STORE])).toThrow(/BRIDGE_XBEES_USER_ID: .*an x-bees user id/);
  });
});
