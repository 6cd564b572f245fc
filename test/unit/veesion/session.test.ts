import { KlaxonClient } from '../../../src/veesion/klaxon-client';
import { KlaxonSimulator } from '../../../src/sim/klaxon-sim';
import { VeesionSession } from '../../../src/veesion/session';
import { reconcileHooks } from '../../../src/veesion/hook-reconciler';
import { capturedLogger, waitFor } from '../../helpers/quiet-logger';

describe('VeesionSession', () => {
  const sim = new KlaxonSimulator(
    [
      { store_veesion_id: 'st-1', store_veesion_name: 'One', store_id: 'st-1' },
      { store_veesion_id: 'st-2', store_veesion_name: 'Two', store_id: 'st-2' },
    ],
    'user@x',
    'pw-123456',
  );
  beforeAll(() => sim.start());
  afterAll(() => sim.stop());
  const client = () => new KlaxonClient({ baseUrl: sim.url, username: 'user@x', password: 'pw-123456' });

  it('signs in at start and again once a token too short to renew early runs out', async () => {
    sim.tokenLifetimeS = 2;
    const renewals: string[] = [];
    const c = client();
    const session = new VeesionSession(c, capturedLogger().logger, {
      renewMarginMs: 1500,
      onRenewal: (o) => renewals.push(o),
    });
    session.start();
    await waitFor(() => renewals.length >= 2, 5000, 'a second sign-in');
    expect(c.tokenValid).toBe(true);
    expect(renewals.every((r) => r === 'ok')).toBe(true);
    session.stop();
    sim.tokenLifetimeS = 1800;
  });

  it('keeps retrying with backoff through a Veesion outage, and recovers', async () => {
    const down = new KlaxonSimulator([], 'user@x', 'pw-123456'); // its own: no other session shares its faults
    await down.start();
    down.failNext(3, 503);
    const { logger, lines } = capturedLogger(['pw-123456']);
    const renewals: string[] = [];
    const c = new KlaxonClient({ baseUrl: down.url, username: 'user@x', password: 'pw-123456' });
    const session = new VeesionSession(c, logger, {
      backoff: { initialMs: 20, maxMs: 100 },
      onRenewal: (o) => renewals.push(o),
    });
    session.start();
    await waitFor(() => renewals.includes('ok'), 5000, 'recovery');
    expect(renewals).toEqual(['failed', 'failed', 'failed', 'ok']);
    expect(lines().join('\n')).not.toContain('pw-123456');
    session.stop();
    await down.stop();
  });
});

describe('reconcileHooks', () => {
  const sim = new KlaxonSimulator(
    [
      { store_veesion_id: 'st-1', store_veesion_name: 'One', store_id: 'st-1' },
      { store_veesion_id: 'st-other', store_veesion_name: 'Other', store_id: 'st-other' },
    ],
    'user@x',
    'pw-123456',
  );
  beforeAll(() => sim.start());
  afterAll(() => sim.stop());

  it('registers each known configured store once and reports the differences both ways', async () => {
    const c = new KlaxonClient({ baseUrl: sim.url, username: 'user@x', password: 'pw-123456' });
    const report = await reconcileHooks(c, ['st-1', 'st-typo'], 'https://pbx/api/v1/veesion?token=t');
    expect(report).toEqual({
      registered: ['st-1'],
      failed: [],
      missingAtVeesion: ['st-typo'],
      notConfigured: ['st-other'],
    });
    expect(sim.hookCalls).toEqual([{ store_veesion_id: 'st-1', hooks: ['https://pbx/api/v1/veesion?token=t'] }]);
  });
});
