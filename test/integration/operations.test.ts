import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimWorld } from '../../src/sim/sim-world';
import { summariseJournal } from '../../src/journal/journal-reader';
import { openJournalForOperator } from '../../src/journal/operator-access';
import { SqliteDb } from '../../src/journal/sql/sqlite-db';
import { FINAL_STATES, type StepState } from '../../src/pipeline/alert';
import { tempDir } from '../helpers/paths';
import { CLI, runCli } from '../helpers/cli';
import { waitFor } from '../helpers/quiet-logger';

/**
 * The operator commands against the real daemon process and the simulators: replay (via the
 * journal and SIGUSR2, and with the daemon down), stores and register-hooks. One attempt per
 * step, so a failure is final at once.
 */
describe('operator commands: replay, stores, register-hooks', () => {
  let world: SimWorld;
  let daemon: ChildProcess | undefined;
  let files: string[];
  let journal: string;

  const startDaemon = async () => {
    const calls = world.klaxon.hookCalls.length;
    daemon = spawn(process.execPath, ['--', CLI, 'run', ...files], {
      env: { PATH: process.env.PATH },
      stdio: 'ignore',
    });
    await waitFor(() => world.klaxon.hookCalls.length > calls, 15_000, 'daemon up (hooks registered)');
  };
  const stopDaemon = async () => {
    const d = daemon;
    if (!d || d.exitCode !== null) return;
    const exited = new Promise((r) => d.once('exit', r));
    d.kill('SIGTERM');
    await exited;
  };
  const cli = async (args: string[]) => {
    const r = await runCli([...args, ...files]);
    for (const secret of [world.klaxon.password, world.hookToken, world.amiSecret, world.xbees.token]) {
      expect(r.stdout + r.stderr).not.toContain(secret);
    }
    return { code: r.code, out: r.stdout + r.stderr, stdout: r.stdout };
  };
  const post = async (id: string, store: string) => {
    const res = await fetch(`http://127.0.0.1:${world.httpPort}/api/v1/veesion?token=${world.hookToken}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ alert_uuid: id, location: store, camera_id: '4' }),
    });
    return ((await res.json()) as { status: string }).status;
  };
  const states = async (id: string): Promise<Record<string, StepState>> => {
    // A reader beside the running daemon, as `status` opens it.
    const db = openJournalForOperator(journal, 'read');
    try {
      const summary = await summariseJournal(new SqliteDb(db), 50);
      return Object.fromEntries(
        summary.recent.find((a) => a.id === id)?.steps.map((s) => [s.step, s.state as StepState]) ?? [],
      );
    } finally {
      db.close();
    }
  };
  const settled = (id: string) =>
    waitFor(
      async () => {
        const s = Object.values(await states(id));
        return s.length === 2 && s.every((st) => FINAL_STATES.includes(st));
      },
      15_000,
      `steps of ${id} final`,
    );
  const callsTo = (conf: string) =>
    world.ami.originates.filter((o) => o.channel === `Local/${conf}@xhoppers-conf`).length;

  beforeAll(async () => {
    const dir = tempDir();
    world = await new SimWorld({
      dir,
      settings: { BRIDGE_ANNOUNCE_RETRY_S: '0', BRIDGE_CHAT_RETRY_S: '0', BRIDGE_STORM_WINDOW_S: '0' },
    }).start();
    world.klaxon.stores.push({ store_veesion_id: 'veesion-only', store_veesion_name: 'Not Here', store_id: '77' });
    files = ['--env-file', world.envFile, '--stores-file', world.storesFile];
    journal = join(dir, 'data', 'journal.sqlite');
    await startDaemon();
  }, 30_000);

  afterAll(async () => {
    daemon?.kill('SIGKILL');
    await world.stop();
  });

  it('replay re-runs the failed steps once, refuses to announce again without --force, and repeats with it', async () => {
    world.ami.failNext(1, 'failure');
    world.xbees.failNext(1, 503);
    expect(await post('rp-1', 'test-store-wildix')).toBe('accepted');
    await settled('rp-1');
    expect(await states('rp-1')).toEqual({ announce: 'expired', chat: 'dead' }); // one attempt, none left
    expect(callsTo('2')).toBe(1);

    const r = await cli(['replay', 'rp-1', '--wait-s', '20']);
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toContain('rp-1: requeued announce, chat');
    expect(r.out).toMatch(/rp-1 announce: succeeded after 1 attempt/);
    expect(await states('rp-1')).toEqual({ announce: 'succeeded', chat: 'succeeded' });
    expect(callsTo('2')).toBe(2);
    expect(world.xbees.messages).toHaveLength(1);

    const again = await cli(['replay', 'rp-1']);
    expect(again.code).toBe(0);
    expect(again.out).toContain('announce already succeeded (--force repeats it)');
    await new Promise((res) => setTimeout(res, 500));
    expect(callsTo('2')).toBe(2);

    const forced = await cli(['replay', 'rp-1', '--force', '--step', 'announce', '--json']);
    expect(forced.code).toBe(0);
    const out = JSON.parse(forced.stdout) as {
      ok: boolean;
      alerts: { requeued: string[]; steps: { step: string; state: string }[] }[];
    };
    expect(out).toMatchObject({
      ok: true,
      alerts: [{ requeued: ['announce'], steps: [{ step: 'announce', state: 'succeeded' }] }],
    });
    expect(callsTo('2')).toBe(3);
    expect(world.xbees.messages).toHaveLength(1);
  }, 60_000);

  it('replay --failed --since routes an alert that was unroutable once its store is added and reloaded', async () => {
    expect(await post('rp-2', 'store-late')).toBe('unroutable');
    const none = await cli(['replay', '--failed', '--since', '10m', '--wait-s', '0']);
    expect(none.out).toContain('store store-late is not in x-hoppers.json');
    writeFileSync(
      world.storesFile,
      JSON.stringify([
        ...world.stores,
        { store_veesion_id: 'store-late', name: 'Late', audio_conf_id: '9', xbees_channel_id: 'chan-late' },
      ]),
    );
    expect((await cli(['reload'])).code).toBe(0);
    world.ami.join('9', { callerIdNum: '209', callerIdName: 'Staff' }); // the new store's room has someone to hear it
    const r = await cli(['replay', '--failed', '--since', '10m', '--wait-s', '20']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('rp-2: requeued announce, chat');
    expect(await states('rp-2')).toEqual({ announce: 'succeeded', chat: 'succeeded' });
    expect(callsTo('9')).toBe(1);
  }, 60_000);

  it('replay with the daemon down queues in the journal; the steps run at the next start', async () => {
    world.xbees.failNext(1, 503);
    expect(await post('rp-3', 'test-store-wildix')).toBe('accepted');
    await settled('rp-3');
    expect(await states('rp-3')).toEqual({ announce: 'succeeded', chat: 'dead' });
    await stopDaemon();
    const r = await cli(['replay', 'rp-3']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('rp-3: requeued chat; announce already succeeded');
    expect(r.out).toContain('the daemon will run them at its next start');
    const calls = callsTo('2');
    await startDaemon();
    await settled('rp-3');
    expect(await states('rp-3')).toEqual({ announce: 'succeeded', chat: 'succeeded' });
    expect(callsTo('2')).toBe(calls);
  }, 60_000);

  it('replay explains bad arguments and unknown alerts', async () => {
    expect((await cli(['replay'])).code).toBe(2);
    expect((await cli(['replay', 'rp-1', '--failed'])).code).toBe(2);
    expect(await cli(['replay', '--failed'])).toMatchObject({
      code: 2,
      out: expect.stringContaining('--failed needs --since'),
    });
    expect(await cli(['replay', '--failed', '--since', 'yesterday'])).toMatchObject({
      code: 2,
      out: expect.stringContaining('not a time'),
    });
    expect(await cli(['replay', 'no-such-alert'])).toMatchObject({
      code: 1,
      out: expect.stringContaining('not in the journal: no-such-alert'),
    });
  }, 30_000);

  it('stores shows both sides with the hook state the daemon recorded', async () => {
    const r = await cli(['stores', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      stores: { store_veesion_id: string; configured: unknown; veesion: unknown; hook: { state: string } | null }[];
    };
    const byId = new Map(out.stores.map((s) => [s.store_veesion_id, s]));
    expect(byId.get('test-store-wildix')).toMatchObject({
      configured: { name: 'Wildix Test Store', audio_conf_id: '2', xbees_channel_id: 'chan-test-store' },
      veesion: { name: 'Wildix Test Store' },
      hook: { state: 'registered' },
    });
    expect(byId.get('veesion-only')).toMatchObject({
      configured: null,
      veesion: { name: 'Not Here' },
      hook: { state: 'not-configured' },
    });
    expect(byId.get('store-late')).toMatchObject({ veesion: null, hook: { state: 'missing-at-veesion' } });
    const human = await cli(['stores']);
    expect(human.out).toContain('NOT KNOWN to this account');

    world.klaxon.failNext(1, 503);
    const down = await cli(['stores']);
    expect(down.code).toBe(1);
    expect(down.out).toContain('Wildix Test Store, conference 2, chat chan-test-store');
    expect(down.out).toContain('Veesion unreachable');
  }, 30_000);

  it('register-hooks --dry-run changes nothing; register-hooks registers every known store once and says what failed', async () => {
    const before = world.klaxon.hookCalls.length;
    const dry = await cli(['register-hooks', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('token=HIDDEN');
    expect(dry.out).toContain('would register: test-store-wildix');
    expect(dry.out).toContain('configured but unknown to Veesion (check store_veesion_id): store-late');
    expect(dry.out).toContain('Veesion stores not in x-hoppers.json: veesion-only');
    expect(world.klaxon.hookCalls.length).toBe(before);

    const real = await cli(['register-hooks', '--json']);
    expect(real.code).toBe(0);
    expect(JSON.parse(real.stdout)).toMatchObject({
      ok: true,
      registered: ['test-store-wildix'],
      missingAtVeesion: ['store-late'],
    });
    expect(world.klaxon.hookCalls.slice(before).map((c) => c.store_veesion_id)).toEqual(['test-store-wildix']);

    world.klaxon.failNext(1, 500);
    const failed = await cli(['register-hooks']);
    expect(failed.code).toBe(1);
    expect(failed.out).toContain('Veesion sign in failed: 500');
  }, 30_000);
});
