import Database from 'better-sqlite3';
import { appendFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STORE, VALID_SETTINGS, tempDir, writeConfig } from '../helpers/paths';
import { runCli } from '../helpers/cli';
import { bootWorld, type World } from '../helpers/world';

/**
 * `veesion-bridge backup` as a process beside the running daemon, which keeps receiving
 * alerts during the copy. The journal is made larger than one backup step (a filler table),
 * so the copy takes several steps and shows its progress.
 */
describe('veesion-bridge backup', () => {
  let w: World;
  let files: string[];
  let journal: string;
  // One store each: alerts of one store and camera within BRIDGE_STORM_WINDOW_S are merged.
  const alert = (id: string, store = 'store-b') => ({ alert_uuid: id, location: store, camera_id: '4' });

  beforeAll(async () => {
    w = await bootWorld({}, { before: (world) => appendFileSync(world.envFile, 'VEESION_ALERT_CHANEL=Local/1@x\n') });
    files = ['--env-file', w.world.envFile, '--stores-file', w.world.storesFile];
    journal = join(w.daemon.dataDir, 'journal.sqlite');
    for (const [id, store] of [
      ['bk-1', 'store-b'],
      ['bk-2', 'store-c'],
      ['bk-3', 'store-d'],
    ] as const)
      expect((await w.post(alert(id, store))).status).toBe(200);
    for (const id of ['bk-1', 'bk-2', 'bk-3']) await w.finished(id);
    const db = new Database(journal);
    db.exec('CREATE TABLE test_filler (b BLOB)');
    const insert = db.prepare('INSERT INTO test_filler VALUES (randomblob(1048576))');
    for (let i = 0; i < 24; i++) insert.run();
    db.close();
  }, 60_000);
  afterAll(() => w.stop());

  it('copies the journal while the daemon keeps receiving alerts: whole, with the alerts, owner-only', async () => {
    const target = join(tempDir('vb-backup-'), 'journal-copy.sqlite');
    let sending = true;
    const during: number[] = [];
    const sender = (async () => {
      for (let i = 0; sending; i++) {
        during.push((await w.post(alert(`during-${i}`))).status);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const r = await runCli(['backup', target, '--json', ...files]);
    sending = false;
    await sender;

    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; file: string; bytes: number; pages: number; alerts: number };
    expect(out).toMatchObject({ ok: true, file: target, bytes: statSync(target).size });
    expect(out.bytes).toBeGreaterThan(24 * 1024 * 1024);
    expect(r.stderr).toMatch(/^backup: \d+% \(\d+ of \d+ pages\)$/m);
    // The daemon was not disturbed: every alert sent during the copy was taken.
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((s) => s === 200)).toBe(true);

    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(target, '..'))).toEqual(['journal-copy.sqlite']); // no partial file left
    const copy = new Database(target, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    const ids = (copy.prepare('SELECT id FROM alerts').all() as { id: string }[]).map((a) => a.id);
    copy.close();
    expect(ids).toEqual(expect.arrayContaining(['bk-1', 'bk-2', 'bk-3']));
    expect(ids).toHaveLength(out.alerts);
  }, 60_000);

  it('refuses to overwrite an existing file, and says so', async () => {
    const target = join(tempDir('vb-backup-'), 'exists.sqlite');
    writeFileSync(target, 'keep me');
    const r = await runCli(['backup', target, ...files]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${target} exists: not overwritten`);
    expect(statSync(target).size).toBe('keep me'.length);
    expect(readdirSync(join(target, '..'))).toEqual(['exists.sqlite']);
  });

  it('fails clearly when there is no journal or the target directory is missing', async () => {
    const dataDir = tempDir('vb-nojournal-');
    const cfg = writeConfig(tempDir(), { ...VALID_SETTINGS, BRIDGE_DATA_DIR: dataDir }, [STORE]);
    const none = await runCli([
      'backup',
      join(tempDir(), 'x.sqlite'),
      '--env-file',
      cfg.envFile,
      '--stores-file',
      cfg.storesFile,
    ]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`backup failed: no journal at ${join(dataDir, 'journal.sqlite')}`);
    expect(readdirSync(dataDir)).toEqual([]); // nothing created in its place

    const noDir = await runCli(['backup', '/nonexistent-dir/x.sqlite', ...files]);
    expect(noDir.code).toBe(1);
    expect(noDir.stderr).toMatch(/backup failed: cannot create .*: ENOENT \(does \/nonexistent-dir exist/);
  });

  it('the daemon logs config warnings at start and at reload', () => {
    const warned = () => w.logLines().filter((l) => l.includes('"config warning"'));
    expect(warned()).toEqual([expect.stringContaining('did you mean VEESION_ALERT_CHANNEL?')]);
    appendFileSync(w.world.envFile, 'BRIDGE_HTTP_PROT=1\n');
    w.daemon.reload();
    expect(warned().some((l) => l.includes('BRIDGE_HTTP_PROT') && l.includes('"level":"warn"'))).toBe(true);
  });
});
