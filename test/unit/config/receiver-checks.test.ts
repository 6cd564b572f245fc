import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load';
import { ConfigError } from '../../../src/config/errors';
import { redactSettings } from '../../../src/config/redact';
import { STORE, VALID_SETTINGS, tempDir, writeConfig, shortIssues } from '../../helpers/paths';
import { writeSelfSigned } from '../../helpers/tls-cert';

function issues(settings: Record<string, string>): { path: string; message: string }[] {
  try {
    loadConfig({ ...writeConfig(tempDir(), { ...VALID_SETTINGS, ...settings }, [STORE]), env: {}, platform: 'linux' });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return shortIssues(err.issues);
    throw err;
  }
}

describe('receiver settings: TLS files and the admin token', () => {
  const dir = tempDir('vb-tls-check-');
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const otherKey = join(dir, 'other-key.pem');
  beforeAll(async () => {
    await writeSelfSigned(cert, key);
    await writeSelfSigned(join(dir, 'other-cert.pem'), otherKey);
  });

  it('accepts a readable certificate with its key, and no TLS at all', () => {
    expect(issues({ BRIDGE_TLS_CERT_FILE: cert, BRIDGE_TLS_KEY_FILE: key })).toEqual([]);
    expect(issues({})).toEqual([]);
  });

  it.each([
    ['only the certificate', { BRIDGE_TLS_CERT_FILE: 'CERT' }, 'BRIDGE_TLS_KEY_FILE', 'go together'],
    ['only the key', { BRIDGE_TLS_KEY_FILE: 'KEY' }, 'BRIDGE_TLS_CERT_FILE', 'go together'],
    [
      'a missing certificate file',
      { BRIDGE_TLS_CERT_FILE: '/nonexistent/cert.pem', BRIDGE_TLS_KEY_FILE: 'KEY' },
      'BRIDGE_TLS_CERT_FILE',
      'cannot read /nonexistent/cert.pem: ENOENT',
    ],
    [
      "a key that is not the certificate's",
      { BRIDGE_TLS_CERT_FILE: 'CERT', BRIDGE_TLS_KEY_FILE: 'OTHER_KEY' },
      'BRIDGE_TLS_KEY_FILE',
      'is not the key of the certificate',
    ],
    [
      'a certificate that is not PEM',
      { BRIDGE_TLS_CERT_FILE: 'KEY', BRIDGE_TLS_KEY_FILE: 'KEY' },
      'BRIDGE_TLS_CERT_FILE',
      'is not a PEM certificate',
    ],
    [
      'a key that is not a key',
      { BRIDGE_TLS_CERT_FILE: 'CERT', BRIDGE_TLS_KEY_FILE: 'CERT' },
      'BRIDGE_TLS_KEY_FILE',
      'is not an unencrypted PEM private key',
    ],
    [
      'a relative path',
      { BRIDGE_TLS_CERT_FILE: 'cert.pem', BRIDGE_TLS_KEY_FILE: 'KEY' },
      'BRIDGE_TLS_CERT_FILE',
      'an absolute path',
    ],
  ])('names the key for %s', (_what, settings, key_, message) => {
    const files: Record<string, string> = { CERT: cert, KEY: key, OTHER_KEY: otherKey };
    const real = Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, files[v] ?? v]));
    expect(issues(real)).toEqual([{ path: `env.custom.ini: ${key_}`, message: expect.stringContaining(message) }]);
  });

  it('says who must be able to read an unreadable key', () => {
    if (process.getuid?.() === 0) return; // root reads any file
    const locked = join(dir, 'locked-key.pem');
    writeFileSync(locked, 'x');
    chmodSync(locked, 0o000);
    expect(issues({ BRIDGE_TLS_CERT_FILE: cert, BRIDGE_TLS_KEY_FILE: locked })).toEqual([
      {
        path: 'env.custom.ini: BRIDGE_TLS_KEY_FILE',
        message: expect.stringContaining('the service user must be able to read it'),
      },
    ]);
  });

  it('wants an admin token of 16 printable characters, not the hook token, and hides it', () => {
    expect(issues({ BRIDGE_ADMIN_TOKEN: 'short' })).toEqual([
      { path: 'env.custom.ini: BRIDGE_ADMIN_TOKEN', message: expect.stringContaining('at least 16') },
    ]);
    expect(issues({ BRIDGE_ADMIN_TOKEN: 'has a space in it, sadly' })).toEqual([
      { path: 'env.custom.ini: BRIDGE_ADMIN_TOKEN', message: expect.stringContaining('without spaces') },
    ]);
    expect(issues({ BRIDGE_ADMIN_TOKEN: VALID_SETTINGS.VEESION_HOOK_TOKEN })).toEqual([
      {
        path: 'env.custom.ini: BRIDGE_ADMIN_TOKEN',
        message: expect.stringContaining('must differ from VEESION_HOOK_TOKEN'),
      },
    ]);
    const config = loadConfig({
      ...writeConfig(tempDir(), { ...VALID_SETTINGS, BRIDGE_ADMIN_TOKEN: 'admin-token-0123456789' }, [STORE]),
      env: {},
      platform: 'linux',
    });
    expect(redactSettings(config.settings).BRIDGE_ADMIN_TOKEN).toBe('HIDDEN');
  });
});

describe('receiver settings: single sign-on', () => {
  const SSO = {
    BRIDGE_OIDC_ISSUER: 'https://login.example.com/realms/stores',
    BRIDGE_OIDC_CLIENT_ID: 'veesion-bridge',
    BRIDGE_OIDC_CLIENT_SECRET: 'a-client-secret',
    BRIDGE_ADMIN_TOKEN: 'an-admin-token-0123456789',
  };
  it('takes an https issuer with its client, or a plain http one on this host', () => {
    expect(issues(SSO)).toEqual([]);
    expect(issues({ ...SSO, BRIDGE_OIDC_ISSUER: 'http://127.0.0.1:9000' })).toEqual([]);
  });
  it('refuses a plain http issuer elsewhere, a part missing, and single sign-on without the console', () => {
    expect(issues({ ...SSO, BRIDGE_OIDC_ISSUER: 'http://login.example.com' })).toEqual([
      expect.objectContaining({ path: expect.stringContaining('BRIDGE_OIDC_ISSUER') }),
    ]);
    const { BRIDGE_OIDC_CLIENT_SECRET: _secret, ...noSecret } = SSO;
    expect(issues(noSecret)).toEqual([
      { path: 'env.custom.ini: BRIDGE_OIDC_CLIENT_SECRET', message: expect.stringContaining('go together') },
    ]);
    const { BRIDGE_ADMIN_TOKEN: _token, ...noToken } = SSO;
    expect(issues(noToken)).toEqual([
      {
        path: 'env.custom.ini: BRIDGE_ADMIN_TOKEN',
        message: expect.stringContaining('single sign-on needs the console on'),
      },
    ]);
    expect(issues({ ...SSO, BRIDGE_OIDC_ROLE_CLAIM: 'has space' })).toEqual([
      expect.objectContaining({ path: expect.stringContaining('BRIDGE_OIDC_ROLE_CLAIM') }),
    ]);
  });
  it('hides the client secret wherever settings are shown', () => {
    const config = loadConfig({
      ...writeConfig(tempDir(), { ...VALID_SETTINGS, ...SSO }, [STORE]),
      env: {},
      platform: 'linux',
    });
    expect(redactSettings(config.settings).BRIDGE_OIDC_CLIENT_SECRET).toBe('HIDDEN');
  });
});
