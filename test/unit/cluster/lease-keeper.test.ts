import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { LeaseKeeper } from '../../../src/cluster/lease-keeper';
import { PgLeaseStore } from '../../../src/cluster/leases';
import { PgJournal } from '../../../src/journal/pg/pg-journal';
import { openPgPool } from '../../../src/journal/pg/pg-pool';
import { REPO } from '../../helpers/paths';
import { usePostgres } from '../../helpers/postgres';
import { waitFor } from '../../helpers/quiet-logger';

const pg = usePostgres();
const self = (id: string) => ({ id, host: 'test', pid: process.pid, startedAt: Date.now() });

describe('LeaseKeeper on PostgreSQL', () => {
  it('renews what it holds; a keeper cut off from the journal gives its leases up and another takes them', async () => {
    const url = await pg.fresh();
    const journal = await PgJournal.open(url); // migrates
    const poolA = openPgPool(url);
    const lostA: string[] = [];
    const a = new LeaseKeeper({
      store: new PgLeaseStore(poolA),
      self: self('A'),
      ttlMs: 600,
      onLost: (name) => lostA.push(name),
    });
    const b = new LeaseKeeper({ store: new PgLeaseStore(journal.pool), self: self('B'), ttlMs: 600 });
    await a.start();
    await b.start();
    expect(await a.take('cron')).toBe(true);
    expect(await b.take('cron')).toBe(false);
    // Renewed past several terms: still A's.
    for (let i = 0; i < 4; i++) await a.tick(), await new Promise((r) => setTimeout(r, 200));
    expect(await b.take('cron')).toBe(false);
    expect(a.holds('cron')).toBe(true);
    await poolA.end(); // A can no longer reach the journal
    await waitFor(() => lostA.includes('cron'), 10_000, 'A gives up the lease it cannot renew');
    expect(a.holds('cron')).toBe(false);
    await waitFor(async () => b.take('cron'), 10_000, 'B takes the lapsed lease');
    await b.stop();
    await a.stop();
    await journal.close();
  });

  it('a daemon SIGKILLed holding a lease loses it at most one lease term (8 s) after its last renewal, and another daemon takes it over', async () => {
    const url = await pg.fresh();
    const journal = await PgJournal.open(url);
    const dist = join(REPO, 'dist/src');
    const child = spawn(
      process.execPath,
      [
        '-e',
        `
      const { LeaseKeeper } = require(${JSON.stringify(join(dist, 'cluster/lease-keeper.js'))});
      const { PgLeaseStore } = require(${JSON.stringify(join(dist, 'cluster/leases.js'))});
      const { openPgPool } = require(${JSON.stringify(join(dist, 'journal/pg/pg-pool.js'))});
      const k = new LeaseKeeper({ store: new PgLeaseStore(openPgPool(process.argv[1])), self: { id: 'doomed', host: 'test', pid: process.pid, startedAt: Date.now() } });
      k.start().then(() => k.take('conf:7')).then((ok) => { console.log(ok ? 'held' : 'refused'); setInterval(() => {}, 1000); });
    `,
        url,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await waitFor(() => out.includes('held'), 20_000, 'the child holds conf:7');
    const store = new PgLeaseStore(journal.pool);
    const survivor = new LeaseKeeper({ store, self: self('survivor') });
    await survivor.start();
    expect(await survivor.take('conf:7')).toBe(false);
    await new Promise((r) => setTimeout(r, 3_500)); // at least one renewal by the child
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const { now, leases } = await store.view();
    const held = leases.find((l) => l.name === 'conf:7');
    expect(held?.holder).toBe('doomed');
    expect(held?.until ?? 0).toBeGreaterThan(now); // still held at the kill: what follows is its lapse, not a release
    expect(await survivor.take('conf:7')).toBe(false);
    await waitFor(async () => survivor.take('conf:7'), 30_000, 'the survivor takes conf:7 over');
    expect((await store.view()).leases.map((l) => [l.name, l.holder])).toEqual([['conf:7', 'survivor']]);
    await survivor.stop();
    await journal.close();
  }, 60_000);

  it('a keeper whose journal stops answering gives its leases up before they lapse, without waiting for the answer', async () => {
    const hung = new Promise<never>(() => undefined);
    let renewals = 0;
    const store = {
      heartbeat: async () => {
        if (renewals > 0) return hung;
      },
      acquire: async () => true,
      acquireAll: async (names: readonly string[]) => [...names],
      renew: async () => {
        renewals++;
        return hung;
      }, // the journal took the query and never answers
      release: async () => undefined,
      leave: async () => undefined,
      view: async () => ({ now: 0, daemons: [], leases: [] }),
    };
    const lost: string[] = [];
    const k = new LeaseKeeper({ store, self: self('A'), ttlMs: 400, onLost: (name) => lost.push(name) });
    await k.start();
    expect(await k.takeAll(['room:7'])).toEqual(['room:7']);
    expect(k.holds('room:7')).toBe(true);
    await waitFor(() => lost.includes('room:7'), 10_000, 'the lease given up');
    expect(k.holds('room:7')).toBe(false);
    expect(renewals).toBeGreaterThan(0);
    await k.stop();
  });
});
