import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SimWorld } from '../../src/sim/sim-world';
import { alertsSaid } from '../../src/sim/ami-sim';
import { SqliteJournal } from '../../src/journal/sqlite-journal';
import { journalFile } from '../../src/journal/journal-file';
import { parseAlertPayload } from '../../src/veesion/alert-payload';
import { tempDir } from '../helpers/paths';
import { CLI, runCli } from '../helpers/cli';
import { waitFor } from '../helpers/quiet-logger';
import { journalSteps } from '../helpers/journal-rows';

interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function daemon(world: SimWorld, env: Record<string, string> = {}): Proc {
  const child = spawn(
    process.execPath,
    ['--', CLI, 'run', '--env-file', world.envFile, '--stores-file', world.storesFile],
    { env: { PATH: process.env.PATH, ...env } },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/**
 * One daemon per journal: an administrator who starts a second `run` beside the service must
 * not get every alert announced and posted twice. The second one exits 1 at once, naming the
 * first; a start whose port is taken exits non-zero before it resumes any step.
 */
describe('one daemon per data directory', () => {
  let world: SimWorld;
  let first: Proc | undefined;
  const base = () => `http://127.0.0.1:${world.httpPort}`;
  const post = (id: string) =>
    fetch(`${base()}/api/v1/veesion?token=${world.hookToken}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ alert_uuid: id, location: 'test-store-wildix', camera_id: id }),
    }).then((r) => r.status);
  const calls = (id: string) => world.ami.originates.filter((o) => alertsSaid(o).includes(id)).length;

  beforeAll(async () => {
    world = await new SimWorld({
      dir: tempDir(),
      settings: { BRIDGE_STORM_WINDOW_S: '0', VEESION_ALERT_TEXT: 'Theft ${cameraId}' },
    }).start();
    first = daemon(world);
    await waitFor(
      async () =>
        await fetch(`${base()}/healthz`).then(
          (r) => r.ok,
          () => false,
        ),
      20_000,
      'first daemon up',
    );
  });
  afterAll(async () => {
    first?.child.kill('SIGTERM');
    await first?.exited;
    await world.stop();
  });

  it('a second daemon on the same journal exits 1 naming the first; every alert is announced once', async () => {
    // (60 s: three announcements of a few seconds each, one after the other)
    const ids = ['one-1', 'one-2', 'one-3'];
    expect(await post(ids[0] as string)).toBe(200);
    const second = daemon(world);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain(`another veesion-bridge daemon (pid ${first?.child.pid})`);
    expect(second.stdout()).not.toContain('receiver listening'); // it touched nothing, bound nothing
    // The first daemon's pid file is still its own: `reload` keeps reaching the right process.
    expect(readFileSync(join(tempDirOf(world), 'data', 'veesion-bridge.pid'), 'utf8').trim()).toBe(
      String(first?.child.pid),
    );
    for (const id of ids.slice(1)) expect(await post(id)).toBe(200);
    // Announced once each: alone, or named in one summary call with the others (the journal says
    // which); a second daemon would have placed its own calls too.
    const announce = (id: string) => {
      const db = new Database(join(tempDirOf(world), 'data', 'journal.sqlite'), { readonly: true });
      try {
        return db.prepare("SELECT state, attempts FROM steps WHERE alert_id = ? AND step = 'announce'").get(id) as
          | { state: string; attempts: number }
          | undefined;
      } finally {
        db.close();
      }
    };
    await waitFor(
      () => ids.every((id) => announce(id)?.state === 'succeeded') && world.xbees.messages.length >= ids.length,
      30_000,
      'all announced and posted',
    );
    await new Promise((r) => setTimeout(r, 1_000)); // room for a wrong second call
    expect(ids.map((id) => announce(id))).toEqual(ids.map(() => ({ state: 'succeeded', attempts: 1 })));
    expect(ids.map(calls).every((n) => n <= 1)).toBe(true);
    expect(world.ami.originates.length).toBeLessThanOrEqual(ids.length);
    expect(world.xbees.messages).toHaveLength(ids.length);
  }, 60_000);

  it('a start whose port is taken exits 1 and resumes none of its unfinished steps', async () => {
    const dataDir = join(tempDir(), 'data');
    const journal = new SqliteJournal(journalFile(dataDir));
    const parsed = parseAlertPayload(
      { alert_uuid: 'left-over', location: 'test-store-wildix', camera_id: '9' },
      new Date(),
    );
    if (!parsed.ok) throw new Error(parsed.reason);
    await journal.append({
      alert: parsed.alert,
      status: 'routed',
      rawBody: '{}',
      receivedAt: Date.now(),
      steps: ['announce', 'chat'],
    });
    await journal.close();

    // Same port as the running daemon, its own data directory.
    const blocked = daemon(world, { BRIDGE_DATA_DIR: dataDir });
    expect(await blocked.exited).toBe(1);
    expect(blocked.stderr()).toContain('start failed');
    expect(blocked.stderr()).toContain('EADDRINUSE');
    expect(calls('left-over')).toBe(0);
    expect(journalSteps(journalFile(dataDir), 'left-over').map((s) => [s.step, s.state, s.attempts])).toEqual([
      ['announce', 'pending', 0],
      ['chat', 'pending', 0],
    ]);
  });

  it('a clean stop ends with a "stopped" line', async () => {
    const own = await new SimWorld({ dir: tempDir() }).start();
    const d = daemon(own);
    try {
      await waitFor(() => d.stdout().includes('receiver listening'), 20_000, 'daemon up');
      d.child.kill('SIGTERM');
      expect(await d.exited).toBe(0);
      const last = d.stdout().trim().split('\n').at(-1) ?? '';
      expect(JSON.parse(last)).toMatchObject({ level: 'info', message: 'stopped' });
    } finally {
      d.child.kill('SIGKILL');
      await own.stop();
    }
  });

  it('a pid file a crash left behind is not believed: reload signals nobody', async () => {
    const own = await new SimWorld({ dir: tempDir() }).start();
    const bystander = spawn('sleep', ['60']);
    try {
      // A daemon ran here once (its lock file exists), then died; its pid now names another process.
      const d = daemon(own);
      await waitFor(() => d.stdout().includes('receiver listening'), 20_000, 'daemon up');
      d.child.kill('SIGKILL');
      await d.exited;
      writeFileSync(join(tempDirOf(own), 'data', 'veesion-bridge.pid'), `${bystander.pid}\n`);
      const r = await runCli(['reload', '--env-file', own.envFile, '--stores-file', own.storesFile]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('no daemon is running');
      expect(bystander.exitCode).toBeNull();
      expect(bystander.signalCode).toBeNull();
    } finally {
      bystander.kill('SIGKILL');
      await own.stop();
    }
  });

  it('a journal deleted under `run`: it stops cleanly and exits 1, for systemd to start it on a new journal', async () => {
    const own = await new SimWorld({ dir: tempDir() }).start();
    const d = daemon(own);
    try {
      await waitFor(() => d.stdout().includes('receiver listening'), 20_000, 'daemon up');
      const file = join(tempDirOf(own), 'data', 'journal.sqlite');
      for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
      expect(await d.exited).toBe(1);
      const lines = d
        .stdout()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { message: string; reason?: string });
      expect(lines.find((l) => l.message === 'stopping')).toMatchObject({ reason: 'journal lost' });
      expect(lines.at(-1)).toMatchObject({ message: 'stopped' });
    } finally {
      d.child.kill('SIGKILL');
      await own.stop();
    }
  });
});

/** The directory a SimWorld writes its files to (its env file sits in it). */
function tempDirOf(world: SimWorld): string {
  return join(world.envFile, '..');
}
