import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PgJournal } from '../../../src/journal/pg/pg-journal';
import { JournalAdmin } from '../../../src/journal/admin-journal';
import { PgDb } from '../../../src/journal/sql/pg-db';
import { openPgPool } from '../../../src/journal/pg/pg-pool';
import { PgLeaseStore } from '../../../src/cluster/leases';
import { FenceLost } from '../../../src/pipeline/ports';
import { PG_MIGRATIONS } from '../../../src/journal/pg/pg-schema';
import { SqliteJournal } from '../../../src/journal/sqlite-journal';
import type { Alert } from '../../../src/pipeline/alert';
import type { NewAlertRecord } from '../../../src/pipeline/ports';
import { tempDir } from '../../helpers/paths';
import { usePostgres } from '../../helpers/postgres';

const pg = usePostgres();
const alert = (id: string, cameraId: string): Alert => ({
  id,
  storeId: 's1',
  cameraId,
  cameraIp: '',
  groupId: '',
  alertType: 'theft',
  startDate: '',
  endDate: '',
  videoUrl: '',
});
const record = (id: string, cameraId: string): NewAlertRecord => ({
  alert: alert(id, cameraId),
  status: 'routed',
  rawBody: '{}',
  receivedAt: 1000,
  steps: ['announce', 'chat'],
  incident: { room: '7', windowMs: 60_000 },
});

describe('PgJournal: what only a shared journal must get right', () => {
  it('daemons starting together migrate a new database once, to the same schema as SQLite, column for column', async () => {
    const url = await pg.fresh();
    const journals = await Promise.all([PgJournal.open(url), PgJournal.open(url), PgJournal.open(url)]);
    const version = await journals[0]!.pool.query('SELECT version FROM journal_schema');
    expect(version.rows).toEqual([{ version: PG_MIGRATIONS.length }]);
    const pgColumns = (
      await journals[0]!.pool.query<{ t: string; c: string }>(
        `SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'journal_schema'`,
      )
    ).rows
      .map((r) => `${r.t}.${r.c}`)
      .sort();
    const sqliteFile = join(tempDir(), 'journal.sqlite');
    await new SqliteJournal(sqliteFile).close();
    const db = new Database(sqliteFile, { readonly: true });
    const tables = (
      db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as {
        name: string;
      }[]
    ).map((r) => r.name);
    const sqliteColumns = tables
      .flatMap((t) => (db.pragma(`table_info(${t})`) as { name: string }[]).map((c) => `${t}.${c.name}`))
      .sort();
    db.close();
    expect(pgColumns).toEqual(sqliteColumns);
    await Promise.all(journals.map((j) => j.close()));
  });

  it('refuses a journal migrated by a newer version', async () => {
    const url = await pg.fresh();
    const j = await PgJournal.open(url);
    await j.pool.query('UPDATE journal_schema SET version = version + 1');
    await j.close();
    await expect(PgJournal.open(url)).rejects.toThrow(/newer than this version/);
  });

  it('two daemons given the same alerts in different orders: each alert is new exactly once, one incident per camera', async () => {
    const url = await pg.fresh();
    const [a, b] = await Promise.all([PgJournal.open(url), PgJournal.open(url)]);
    const ids = Array.from({ length: 120 }, (_, i) => ({ id: `al-${i}`, camera: String(i % 6) }));
    const shuffled = [...ids].reverse();
    const results = await Promise.all([
      ...ids.map(({ id, camera }) => a!.append(record(id, camera)).then((r) => [id, r] as const)),
      ...shuffled.map(({ id, camera }) => b!.append(record(id, camera)).then((r) => [id, r] as const)),
    ]);
    const newPerId = new Map<string, number>();
    for (const [id, r] of results) if (r === 'new') newPerId.set(id, (newPerId.get(id) ?? 0) + 1);
    expect(newPerId.size).toBe(120);
    expect([...newPerId.values()].every((n) => n === 1)).toBe(true);
    const incidents = await a!.pool.query<{ camera_id: string; alerts: number }>(
      'SELECT camera_id, alerts FROM incidents ORDER BY camera_id',
    );
    expect(incidents.rows).toEqual(Array.from({ length: 6 }, (_, i) => ({ camera_id: String(i), alerts: 20 })));
    const steps = await a!.pool.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM steps');
    expect(steps.rows[0]?.n).toBe(240);
    await Promise.all([a!.close(), b!.close()]);
  });

  it('plans each statement for the rows it is given: no generic plan made while the tables were empty is kept', async () => {
    const journal = await PgJournal.open(await pg.fresh());
    try {
      // The pool every store uses, and the group commit's own pipelining one.
      const commits = (journal as unknown as { commitPool: typeof journal.pool }).commitPool;
      for (const pool of [journal.pool, commits])
        expect((await pool.query('SHOW plan_cache_mode')).rows[0].plan_cache_mode).toBe('force_custom_plan');
    } finally {
      await journal.close();
    }
  });

  it("a commit wakes the other daemons' rescans, not its own daemon's (which started those steps itself)", async () => {
    const url = await pg.fresh();
    const [mine, other] = await Promise.all([PgJournal.open(url), PgJournal.open(url)]);
    const woken = { mine: 0, other: 0 };
    const heard = (who: keyof typeof woken) => () => woken[who]++;
    const stops = [mine.listen(heard('mine'), () => undefined), other.listen(heard('other'), () => undefined)];
    try {
      // Each listener is called once when its LISTEN is in place.
      const until = async (ok: () => boolean) => {
        for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
      };
      await until(() => woken.mine === 1 && woken.other === 1);
      expect(woken).toEqual({ mine: 1, other: 1 });
      await mine.append(record('n1', 'A'));
      await until(() => woken.other === 2);
      expect(woken.other).toBe(2);
      await other.append(record('n2', 'B'));
      await until(() => woken.mine === 2);
      // Both commits' notifications have been delivered by now: each woke only the other daemon.
      await new Promise((r) => setTimeout(r, 200));
      expect(woken).toEqual({ mine: 2, other: 2 });
    } finally {
      await Promise.all(stops.map((stop) => stop()));
      await Promise.all([mine.close(), other.close()]);
    }
  });

  it("a fenced write counts only while its daemon holds the lease: a call's record is refused once another daemon took the conference", async () => {
    const j = await PgJournal.open(await pg.fresh());
    await j.append(record('f1', '1'));
    const leases = new PgLeaseStore(j.pool);
    const calling = (holder: string) =>
      j.commitStep(
        {
          alertId: 'f1',
          step: 'announce',
          state: 'running',
          attempts: 1,
          nextAt: null,
          lastError: null,
          detail: `calling: by ${holder}`,
          updatedAt: 5,
        },
        { lease: 'room:7', holder },
      );
    expect(await leases.acquire('room:7', 'A', 10_000)).toBe(true);
    await calling('A');
    await expect(calling('B')).rejects.toBeInstanceOf(FenceLost);
    expect((await j.pool.query(`SELECT detail FROM steps WHERE alert_id = 'f1' AND step = 'announce'`)).rows).toEqual([
      { detail: 'calling: by A' },
    ]);
    await leases.release('room:7', 'A');
    await expect(calling('A')).rejects.toThrow(/no longer held/);
    await j.close();
  });

  it('housekeeping drops old events every enabled integration is past, keeps the ones still owed, and old delivery records', async () => {
    const j = await PgJournal.open(await pg.fresh());
    const ev = (alertId: string, time: number) => ({
      type: 'alert.received' as const,
      time,
      alertId,
      storeId: 's1',
      location: null,
      data: {} as never,
    });
    await j.integrations.add({
      id: 'int_a',
      type: 'webhook',
      url: 'https://example.invalid/a',
      secret: 's',
      filter: ['alert.received'],
      scope: 'all',
      createdAt: 1,
    });
    for (const [i, t] of [100, 200, 300].entries()) j.recordEvent(ev(`e${i}`, t));
    await j.flush();
    const seqs = (await j.pool.query<{ seq: number }>('SELECT seq FROM events ORDER BY seq')).rows.map((r) =>
      Number(r.seq),
    );
    expect(seqs).toHaveLength(3);
    const [first, second] = (await j.integrations.eventsAfter(0)).slice(0, 2);
    await j.integrations.settle('int_a', first as never, 'delivered', 1, null, 150); // the integration is past the first event only
    await j.prune(1_000);
    expect((await j.pool.query('SELECT seq FROM events ORDER BY seq')).rows.map((r) => Number(r.seq))).toEqual(
      seqs.slice(1),
    );
    expect((await j.pool.query('SELECT COUNT(*)::int AS n FROM deliveries')).rows).toEqual([{ n: 0 }]);
    await j.integrations.settle('int_a', second as never, 'delivered', 1, null, 2_000);
    await j.prune(250); // the second is past the cutoff's age only now: the third is newer
    expect((await j.pool.query('SELECT seq FROM events ORDER BY seq')).rows.map((r) => Number(r.seq))).toEqual(
      seqs.slice(2),
    );
    expect((await j.pool.query('SELECT COUNT(*)::int AS n FROM deliveries')).rows).toEqual([{ n: 1 }]);
    await j.close();
  });

  it("the admin API's replay on the shared journal: given-up steps requeued once, a success only with force, unknown stores and alerts said", async () => {
    const j = await PgJournal.open(await pg.fresh());
    const admin = new JournalAdmin(new PgDb(j.pool), () => j.flush());
    await j.append(record('r1', '1'));
    await j.commitStep({
      alertId: 'r1',
      step: 'announce',
      state: 'dead',
      attempts: 5,
      nextAt: null,
      lastError: 'PBX gone',
      detail: null,
      updatedAt: 2,
    });
    await j.commitStep({
      alertId: 'r1',
      step: 'chat',
      state: 'succeeded',
      attempts: 1,
      nextAt: null,
      lastError: null,
      detail: 'posted',
      updatedAt: 2,
    });
    const sel = { alertIds: ['r1', 'nope'], routable: (st: string) => st === 's1', now: 50 };
    expect(await admin.requeue(sel)).toEqual([
      {
        alertId: 'r1',
        storeId: 's1',
        requeued: ['announce'],
        skipped: [{ step: 'chat', reason: 'already succeeded (--force repeats it)' }],
      },
      { alertId: 'nope', requeued: [], skipped: [{ step: '*', reason: 'no such alert in the journal' }] },
    ]);
    expect((await admin.requeue(sel))[0]?.skipped).toEqual([
      { step: 'announce', reason: 'still pending: the daemon is working on it' },
      { step: 'chat', reason: 'already succeeded (--force repeats it)' },
    ]);
    expect((await admin.requeue({ ...sel, alertIds: ['r1'], steps: ['chat'], force: true }))[0]?.requeued).toEqual([
      'chat',
    ]);
    expect((await admin.requeue({ ...sel, alertIds: ['r1'], routable: () => false }))[0]?.skipped[0]?.reason).toMatch(
      /not in x-hoppers.json/,
    );
    expect(
      (
        await j.pool.query(
          `SELECT step, state, attempts, next_at, replays FROM steps WHERE alert_id = 'r1' ORDER BY step`,
        )
      ).rows,
    ).toEqual([
      { step: 'announce', state: 'pending', attempts: 0, next_at: 50, replays: 1 },
      { step: 'chat', state: 'pending', attempts: 0, next_at: 50, replays: 1 },
    ]);
    expect((await admin.alert('r1'))?.steps.map((st) => [st.step, st.state, st.nextAt])).toEqual([
      ['announce', 'pending', 50],
      ['chat', 'pending', 50],
    ]);
    expect((await admin.alerts({ limit: 10, state: 'pending' })).map((a) => a.id)).toEqual(['r1']);
    await j.close();
  });

  it('a step error quoting a NUL (which PostgreSQL refuses in text) is written, and does not hold up later commits', async () => {
    const j = await PgJournal.open(await pg.fresh());
    await j.append(record('n1', '1'));
    j.updateStep({
      alertId: 'n1',
      step: 'chat',
      state: 'pending',
      attempts: 1,
      nextAt: 5,
      lastError: 'x-bees said \u0000oops',
      detail: null,
      updatedAt: 2,
    });
    expect(await j.append(record('n2', '1'))).toBe('new');
    expect((await j.pool.query(`SELECT last_error FROM steps WHERE alert_id = 'n1' AND step = 'chat'`)).rows).toEqual([
      { last_error: 'x-bees said \uFFFDoops' },
    ]);
    await j.close();
  });

  it('a failed commit wakes its own daemon: written all the same (its answer lost), its alerts would come back as duplicates whose steps nobody starts', async () => {
    const url = await pg.fresh();
    const j = await PgJournal.open(url);
    let woken = 0;
    const stop = j.listen(
      () => woken++,
      () => undefined,
    );
    const admin = openPgPool(url);
    try {
      for (let i = 0; i < 200 && woken === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(woken).toBe(1); // once LISTEN is in place
      await j.append(record('fine', 'A'));
      await admin.query(`ALTER TABLE alerts ADD CONSTRAINT refuse_boom CHECK (id <> 'boom')`);
      await expect(j.append(record('boom', 'A'))).rejects.toThrow(/refuse_boom/);
      expect(woken).toBe(2);
    } finally {
      await stop();
      await admin.end();
      await j.close();
    }
  });

  it('a server that refuses writes fails the commit (no 200) and the writability probe; the journal works again after', async () => {
    const url = await pg.fresh();
    const db = new URL(url).pathname.slice(1);
    const j = await PgJournal.open(url);
    expect(await j.writable()).toBe(true);
    const admin = openPgPool(pg.cluster().url());
    // Every session of the database is cut: the journal's next ones open read-only (or read-write).
    const setReadOnly = async (on: boolean) => {
      await admin.query(`ALTER DATABASE ${db} SET default_transaction_read_only = ${on ? 'on' : 'off'}`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [db]);
    };
    const attempt = (id: string) =>
      j.append(record(id, '1')).then(
        () => 'committed',
        (e: unknown) => String((e as Error).message),
      );
    await setReadOnly(true);
    let outcome = await attempt('ro-1');
    if (!/read-only/.test(outcome)) outcome = await attempt('ro-1'); // the first may meet a cut connection
    expect(outcome).toMatch(/read-only/);
    expect(await j.writable()).toBe(false);
    expect(await j.getAlert('ro-1')).toBeUndefined();
    await setReadOnly(false);
    let again = await attempt('ro-1');
    if (again !== 'committed') again = await attempt('ro-1');
    expect(again).toBe('committed');
    expect(await j.writable()).toBe(true);
    await admin.end();
    await j.close();
  });
});
