import { loadConfig } from '../../../src/config/load';
import { ConfigError } from '../../../src/config/errors';
import { STORE, VALID_SETTINGS, tempDir, writeConfig } from '../../helpers/paths';

const load = (settings: Record<string, string>, stores: unknown) =>
  loadConfig({ ...writeConfig(tempDir(), settings, stores), env: {}, platform: 'linux' });
const issues = (settings: Record<string, string>, stores: unknown) => {
  try {
    load(settings, stores);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
};

describe('check-config: the Smart Notifications delivery', () => {
  const sn = {
    BRIDGE_SMART_NOTIFICATIONS_PATH: '/api/v1/x-hoppers/notifications',
    BRIDGE_WILDIX_API_TOKEN: 'wsk-v1-key',
  };

  it('needs the API path and the company key, whether BRIDGE_ORIGINATOR or one store asks for it', () => {
    const viaSetting = issues({ ...VALID_SETTINGS, BRIDGE_ORIGINATOR: 'smart-notifications' }, [
      { ...STORE, audio_conf_id: '70' },
    ]);
    expect(viaSetting).toEqual([
      expect.stringMatching(
        /BRIDGE_SMART_NOTIFICATIONS_PATH: required: BRIDGE_ORIGINATOR names smart-notifications; read the path .* API reference/,
      ),
      expect.stringMatching(/BRIDGE_WILDIX_API_TOKEN: required/),
    ]);
    const viaStore = issues(VALID_SETTINGS, [{ ...STORE, audio_conf_id: '70', delivery: 'smart-notifications' }]);
    expect(viaStore).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /BRIDGE_SMART_NOTIFICATIONS_PATH: required: store store-1 has delivery smart-notifications/,
        ),
      ]),
    );
  });

  it("refuses a broadcast's conference id that is not digits, and an unknown delivery", () => {
    expect(
      issues({ ...VALID_SETTINGS, ...sn }, [{ ...STORE, audio_conf_id: 'room-a', delivery: 'smart-notifications' }]),
    ).toEqual([expect.stringMatching(/\[0\]\.audio_conf_id: room-a is not a broadcast's conference id \(digits\)/)]);
    expect(issues(VALID_SETTINGS, [{ ...STORE, delivery: 'pager' }])).toEqual([
      expect.stringMatching(/delivery: smart-notifications or conference/),
    ]);
  });

  it('accepts a store on Smart Notifications beside stores called in their conference', () => {
    const config = load({ ...VALID_SETTINGS, ...sn, BRIDGE_XHOP_STATE_COMMAND: 'data_engine_cli xhop::state' }, [
      { ...STORE, audio_conf_id: '70', delivery: 'smart-notifications' },
      { ...STORE, store_veesion_id: 'store-2', audio_conf_id: 'conf-b' },
    ]);
    expect(config.stores.map((s) => s.delivery)).toEqual(['smart-notifications', undefined]);
    expect(config.settings.BRIDGE_XHOP_STATE_COMMAND).toBe('data_engine_cli xhop::state');
  });

  it('refuses a state command that would need a shell', () => {
    expect(issues({ ...VALID_SETTINGS, BRIDGE_XHOP_STATE_COMMAND: 'cat /tmp/x && rm -rf $HOME' }, [STORE])).toEqual([
      expect.stringMatching(/BRIDGE_XHOP_STATE_COMMAND/),
    ]);
  });
});
