import { PgJournal } from '../../../src/journal/pg/pg-journal';
import { PgLeaseStore } from '../../../src/cluster/leases';
import { usePostgres } from '../../helpers/postgres';

const pg = usePostgres();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The lease table's rules, on the PostgreSQL journal the daemons share (a real server, started for this file). */
describe('leases on PostgreSQL', () => {
  let journal: PgJournal;
  let leases: PgLeaseStore;
  beforeEach(async () => {
    journal = await PgJournal.open(await pg.fresh());
    leases = new PgLeaseStore(journal.pool);
  });
  afterEach(() => journal.close());

  it('one holder at a time: the holder renews, nobody else takes it until it lapses or is released', async () => {
    await leases.heartbeat({ id: 'A', host: 'h1', pid: 1, startedAt: 1 });
    await leases.heartbeat({ id: 'B', host: 'h2', pid: 2, startedAt: 2 });
    expect(await leases.acquire('conf:7', 'A', 10_000)).toBe(true);
    expect(await leases.acquire('conf:7', 'B', 10_000)).toBe(false);
    expect(await leases.acquire('conf:7', 'A', 10_000)).toBe(true); // its own: renewed
    expect(await leases.renew('A', 10_000)).toEqual(['conf:7']);
    expect(await leases.renew('B', 10_000)).toEqual([]);
    const view = await leases.view();
    expect(view.daemons.map((d) => d.id)).toEqual(['A', 'B']);
    expect(view.leases.map((l) => [l.name, l.holder])).toEqual([['conf:7', 'A']]);
    await leases.release('conf:7', 'B'); // not B's: nothing happens
    expect(await leases.acquire('conf:7', 'B', 10_000)).toBe(false);
    await leases.release('conf:7', 'A');
    expect(await leases.acquire('conf:7', 'B', 10_000)).toBe(true);
  });

  it('a lease not renewed lapses: another holder takes it, and the old holder renews nothing', async () => {
    expect(await leases.acquire('cron', 'A', 150)).toBe(true);
    expect(await leases.acquire('cron', 'B', 150)).toBe(false);
    await sleep(400);
    expect((await leases.view()).leases).toEqual([]); // lapsed: not shown as held
    expect(await leases.acquire('cron', 'B', 10_000)).toBe(false); // within the grace: A may still be finishing
    await sleep(1_000);
    expect(await leases.acquire('cron', 'B', 10_000)).toBe(true);
    expect(await leases.renew('A', 10_000)).toEqual([]);
    expect(await leases.renew('B', 10_000)).toEqual(['cron']);
  });

  it('acquireAll takes the free names in one go and leaves the others to their holders', async () => {
    expect(await leases.acquire('room:2', 'B', 10_000)).toBe(true);
    expect(await leases.acquireAll(['room:3', 'room:1', 'room:2', 'cron', 'room:1'], 'A', 10_000)).toEqual([
      'cron',
      'room:1',
      'room:3',
    ]);
    expect(await leases.acquireAll(['room:1', 'room:2'], 'A', 10_000)).toEqual(['room:1']); // its own renewed
    expect((await leases.view()).leases.map((l) => [l.name, l.holder])).toEqual([
      ['cron', 'A'],
      ['room:1', 'A'],
      ['room:2', 'B'],
      ['room:3', 'A'],
    ]);
  });

  it('leave hands back everything a daemon held and takes it off the list', async () => {
    await leases.heartbeat({ id: 'A', host: 'h1', pid: 1, startedAt: 1 });
    await leases.acquire('cron', 'A', 10_000);
    await leases.acquire('conf:7', 'A', 10_000);
    await leases.leave('A');
    expect(await leases.view()).toMatchObject({ daemons: [], leases: [] });
    expect(await leases.acquire('cron', 'B', 10_000)).toBe(true);
  });
});
