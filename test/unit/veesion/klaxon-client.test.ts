import { KlaxonClient, hookUrlWithToken } from '../../../src/veesion/klaxon-client';
import { KlaxonSimulator } from '../../../src/sim/klaxon-sim';

describe('KlaxonClient against the klaxon simulator', () => {
  const sim = new KlaxonSimulator(
    [{ store_veesion_id: 'st-1', store_veesion_name: 'One', store_id: 'st-1' }],
    'user@x',
    'pw-123456',
  );
  beforeAll(() => sim.start());
  afterAll(() => sim.stop());
  const client = (password = 'pw-123456', now?: () => number) =>
    new KlaxonClient({ baseUrl: sim.url, username: 'user@x', password, ...(now ? { now } : {}) });

  it('signs in (expires_in is a string of seconds), lists stores, registers a hook', async () => {
    const c = client();
    await c.login();
    expect(c.tokenValid).toBe(true);
    expect(await c.stores()).toEqual([expect.objectContaining({ store_veesion_id: 'st-1' })]);
    await c.registerHook('st-1', 'https://pbx.example.com/api/v1/veesion?token=t');
    expect(sim.hooks.get('st-1')).toEqual(['https://pbx.example.com/api/v1/veesion?token=t']);
  });

  it('signs in again on a 401 and renews before expiry', async () => {
    let t = Date.now();
    const c = client('pw-123456', () => t);
    await c.stores();
    const logins = sim.logins;
    sim.failNext(1, 401);
    await c.stores();
    expect(sim.logins).toBe(logins + 1);
    t += (sim.tokenLifetimeS - 30) * 1000; // inside the last minute of the token's life
    await c.stores();
    expect(sim.logins).toBe(logins + 2);
  });

  it('uses a short token until it expires instead of signing in before every call', async () => {
    let t = Date.now();
    const c = client('pw-123456', () => t);
    sim.tokenLifetimeS = 6;
    try {
      await c.login();
      const logins = sim.logins;
      for (let i = 0; i < 5; i++) await c.stores(); // well inside the last minute of its life
      expect(sim.logins).toBe(logins);
      t += 6_000; // expired by the client's count
      await c.stores();
      expect(sim.logins).toBe(logins + 1);
    } finally {
      sim.tokenLifetimeS = 1800;
    }
  });

  it('fails clearly on bad credentials, without the password in the error', async () => {
    const err = await client('wrong-password')
      .login()
      .catch((e: unknown) => e as Error);
    expect(err).toMatchObject({ code: 'KLAXON_401' });
    expect(JSON.stringify(err) + String(err)).not.toContain('wrong-password');
  });

  it('builds the hook URL with the token', () => {
    expect(hookUrlWithToken('https://pbx.example.com/api/v1/veesion', 'a b')).toBe(
      'https://pbx.example.com/api/v1/veesion?token=a+b',
    );
  });
});
