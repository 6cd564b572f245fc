import Database from 'better-sqlite3';
import { join } from 'node:path';
import { tempDir } from '../helpers/paths';
import { runCli } from '../helpers/cli';
import { bootWorld, type World } from '../helpers/world';
import { usePostgres } from '../helpers/postgres';
import { PgJournal } from '../../src/journal/pg/pg-journal';
import { COPIED_TABLES } from '../../src/journal/pg/copy-to-pg';
import { DataDirLock } from '../../src/journal/data-dir-lock';

/**
 * `veesion-bridge journal migrate --to postgres://...` on a journal a real daemon wrote (alerts,
 * steps, incidents, a claim, an integration and its events), into a real PostgreSQL.
 */
describe('veesion-bridge journal migrate', () => {
  const pg = usePostgres();
  let w: World;
  let files: string[];
  let sqliteFile: string;
  const alert = (id: string, store: string, camera = '4') => ({ alert_uuid: id, location: store, camera_id: camera });

  beforeAll(async () => {
    w = await bootWorld();
    files = ['--env-file', w.world.envFile, '--stores-file', w.world.storesFile];
    const added = await runCli([
      'integrations',
      'add',
      '--type',
      'webhook',
      '--url',
      'https://example.invalid/hook',
      ...files,
    ]);
    expect(added.code).toBe(0);
    for (const [id, store] of [
      ['mg-1', 'store-b'],
      ['mg-2', 'store-c'],
      ['mg-3', 'store-d'],
    ] as const)
      expect((await w.post(alert(id, store))).status).toBe(200);
    for (const id of ['mg-1', 'mg-2', 'mg-3']) await w.finished(id);
    // Through the daemon: the CLI would signal its pid, which is jest's here.
    expect(await w.daemon.pipeline.incidents?.claim('mg-2', 'Anna', 'http')).toMatchObject({ kind: 'claimed' });
    sqliteFile = join(w.daemon.dataDir, 'journal.sqlite');
  }, 90_000);
  let stopped = false;
  const stopDaemon = async () => {
    if (stopped) return;
    stopped = true;
    await w.stop();
  };
  afterAll(() => stopDaemon()); // also when a test failed before it stopped the daemon

  const sqliteCounts = () => {
    const db = new Database(sqliteFile, { readonly: true });
    try {
      return Object.fromEntries(
        COPIED_TABLES.map((t) => [t, (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n]),
      );
    } finally {
      db.close();
    }
  };

  it('refuses while the daemon runs: the copy would miss what it acknowledges meanwhile', async () => {
    const url = await pg.fresh();
    const r = await runCli(['journal', 'migrate', '--to', url, ...files]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/another veesion-bridge daemon \(pid \d+\) is using/);
  });

  it('copies every table, checked by counts, into an empty PostgreSQL; the password is never printed; a second run is refused', async () => {
    await stopDaemon();
    const url = await pg.fresh();
    const withPassword = url.replace('bridge@', 'bridge:pw-never-printed@'); // trust authentication ignores it
    const expected = sqliteCounts();
    expect(expected.alerts).toBe(3);
    expect(expected.incidents).toBe(3);
    expect(expected.claims).toBe(1);
    expect(expected.events).toBeGreaterThan(3);
    // The URL from the config (here the environment), not the command line.
    const r = await runCli(['journal', 'migrate', '--json', ...files], { BRIDGE_JOURNAL_URL: withPassword });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('pw-never-printed');
    expect(JSON.parse(r.stdout)).toEqual({
      ok: true,
      to: expect.stringContaining('bridge:***@127.0.0.1'),
      counts: expected,
    });
    expect(r.stderr).toMatch(/^journal migrate: alerts: 3 row\(s\)$/m);

    const pj = await PgJournal.open(url);
    for (const t of COPIED_TABLES) {
      const n = (await pj.pool.query<{ n: number }>(`SELECT COUNT(*)::bigint AS n FROM ${t}`)).rows[0]?.n;
      expect([t, n]).toEqual([t, expected[t]]);
    }
    const db = new Database(sqliteFile, { readonly: true });
    const before = db.prepare('SELECT alert_json, status, received_at FROM alerts WHERE id = ?').get('mg-2') as {
      alert_json: string;
      status: string;
      received_at: number;
    };
    const claim = db.prepare('SELECT by, via, won FROM claims').get();
    const maxSeq = (db.prepare('SELECT MAX(seq) AS m FROM events').get() as { m: number }).m;
    db.close();
    expect(await pj.getAlert('mg-2')).toEqual({
      alert: JSON.parse(before.alert_json),
      status: before.status,
      receivedAt: before.received_at,
    });
    expect((await pj.pool.query('SELECT by, via, won FROM claims')).rows).toEqual([claim]);
    // The outbox goes on after the copied events.
    pj.recordEvent({
      type: 'alert.received',
      alertId: 'mg-9',
      storeId: 'store-b',
      location: 'store-b',
      time: 1,
      data: {},
    } as never);
    await pj.unfinishedSteps();
    const seqs = (await pj.pool.query<{ seq: number }>(`SELECT seq FROM events WHERE alert_id = 'mg-9'`)).rows;
    expect(seqs).toEqual([{ seq: maxSeq + 1 }]);
    await pj.close();

    const again = await runCli(['journal', 'migrate', '--to', url, ...files]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds a journal .*migrate into an empty database/);
    expect(again.stderr).toContain('nothing was committed');
  });

  it('says what is wrong with --to, and with a server it cannot reach, without touching the SQLite journal', async () => {
    const bad = await runCli(['journal', 'migrate', '--to', 'mysql://x', ...files]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--to must be a postgres:// (or postgresql://) URL, not "mysql:"');
    const typo = await runCli(['journal', 'migrate', '--to', 'postgress://bridge:typo-secret@db/x', ...files]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).not.toContain('typo-secret');
    const none = await runCli(['journal', 'migrate', ...files]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('give --to postgres://... or set BRIDGE_JOURNAL_URL');
    const before = sqliteCounts();
    const lock = DataDirLock.holder(w.daemon.dataDir);
    expect(lock).toBeUndefined(); // the daemon is stopped
    const down = await runCli(['journal', 'migrate', '--to', 'postgres://bridge:secret-pw@127.0.0.1:1/x', ...files]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(
      /journal migrate failed, nothing was committed to postgres:\/\/bridge:\*\*\*@127\.0\.0\.1:1\/x: .*ECONNREFUSED/,
    );
    expect(down.stderr).not.toContain('secret-pw');
    expect(sqliteCounts()).toEqual(before);
  });

  it('with BRIDGE_JOURNAL_URL the operator commands use PostgreSQL: a server that cannot be reached is a clear exit 1, never the SQLite file', async () => {
    const env = { BRIDGE_JOURNAL_URL: 'postgres://bridge:pw-x@127.0.0.1:1/x' };
    const before = sqliteCounts();
    const backup = await runCli(['backup', join(tempDir(), 'copy.sqlite'), ...files], env);
    expect({ code: backup.code, stderr: backup.stderr }).toEqual({
      code: 1,
      stderr: expect.stringMatching(/use pg_dump for a PostgreSQL journal/),
    });
    const operatorCommands = [
      ['replay', 'mg-1'],
      ['report'],
      ['claim', 'mg-1', '--by', 'Anna'],
      ['resolve', 'mg-1', '--outcome', 'theft'],
      ['silence', '--store', 'store-b', '--for', '30m'],
      ['integrations', 'list'],
    ];
    for (const args of operatorCommands) {
      const r = await runCli([...args, ...files], env);
      expect([args[0], r.code]).toEqual([args[0], 1]);
      expect([args[0], r.stderr]).toEqual([args[0], expect.stringContaining('postgres://bridge:***@127.0.0.1:1/x')]);
      expect(r.stderr).not.toContain('pw-x');
    }
    expect(sqliteCounts()).toEqual(before);
  }, 60_000);
});
