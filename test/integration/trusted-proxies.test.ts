import { bootWorld, type World } from '../helpers/world';
import { loadConfig } from '../../src/config/load';
import { writeConfig, VALID_SETTINGS, STORE, tempDir } from '../helpers/paths';

const ADMIN = 'trusted-proxies-admin-token-012345';

/**
 * Failed sign-ins are limited per client address. Behind a proxy (simulated here: the test's own
 * requests come from 127.0.0.1 with X-Forwarded-For, as nginx on the host sends them), the address
 * is the proxy's unless BRIDGE_TRUSTED_PROXIES names it.
 */
describe('the sign-in limit behind a reverse proxy', () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  const signIn = (base: string, forwardedFor: string, token: string) =>
    fetch(`${base}/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      body: JSON.stringify({ token }),
    }).then((r) => r.status);

  /** Five wrong tokens from 203.0.113.7, as the proxy forwards them. */
  const typos = async (base: string) => {
    for (let i = 0; i < 5; i++) expect(await signIn(base, '203.0.113.7', 'wrong-wrong-wrong-wrong')).toBe(401);
  };

  it('with the proxy trusted, one person typing wrong waits and the others still sign in', async () => {
    w = await bootWorld({ settings: { BRIDGE_ADMIN_TOKEN: ADMIN, BRIDGE_TRUSTED_PROXIES: '127.0.0.1' } });
    await typos(w.base);
    expect(await signIn(w.base, '203.0.113.7', ADMIN)).toBe(429);
    expect(await signIn(w.base, '203.0.113.8', ADMIN)).toBe(200);
    // What a client writes in the header itself is further left, and not believed: nginx appends
    // the address it saw, and that one is counted.
    expect(await signIn(w.base, '203.0.113.9, 203.0.113.7', ADMIN)).toBe(429);
  }, 60_000);

  it("with no proxy trusted, X-Forwarded-For is not believed: everyone behind it shares the proxy's address", async () => {
    w = await bootWorld({ settings: { BRIDGE_ADMIN_TOKEN: ADMIN } });
    await typos(w.base);
    expect(await signIn(w.base, '203.0.113.8', ADMIN)).toBe(429);
  }, 60_000);

  it('a value that names no address is a config error that says what is expected', () => {
    const { envFile, storesFile } = writeConfig(
      tempDir(),
      { ...VALID_SETTINGS, BRIDGE_TRUSTED_PROXIES: '127.0.0.1, nginx' },
      [STORE],
    );
    expect(() => loadConfig({ envFile, storesFile, env: {} })).toThrow(
      /BRIDGE_TRUSTED_PROXIES.*invalid IP address: nginx: addresses or CIDR ranges/s,
    );
  });
});
