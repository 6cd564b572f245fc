import { copyFileSync, renameSync, rmSync } from 'node:fs';
import { bootWorld, type World } from '../helpers/world';
import { waitFor } from '../helpers/quiet-logger';

/**
 * An administrator's `rm` (or a restore copied over the file) in the data directory while the
 * daemon runs. SQLite would keep writing to the unlinked file, so every 200 after it would be
 * an alert the next restart has never heard of. The daemon must notice: readiness fails and
 * new alerts get 503, so Veesion keeps them and retries.
 */
describe('a journal file deleted or replaced under the running daemon', () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  const readyz = async (world: World) => {
    const res = await fetch(`${world.base}/readyz`);
    return {
      status: res.status,
      body: (await res.json()) as { checks: Record<string, boolean>; reasons?: Record<string, string> },
    };
  };

  it('deleted: /readyz fails within seconds, the next alert gets 503, the log says what happened', async () => {
    w = await bootWorld();
    const world = w;
    expect((await world.post({ alert_uuid: 'before-rm', location: 'store-b', camera_id: '1' })).status).toBe(200);
    const file = world.daemon.journal.file;
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    // Without any alert arriving: the daemon's own check notices.
    await waitFor(() => world.logLines().some((l) => l.includes('journal lost')), 15_000, 'the loss logged');
    const ready = await readyz(world);
    expect(ready).toMatchObject({ status: 503, body: { checks: { journal: false } } });
    expect(ready.body.reasons?.journal).toContain('was deleted under the running daemon');
    const after = await world.post({ alert_uuid: 'after-rm', location: 'store-b', camera_id: '2' });
    expect(after.status).toBe(503);
    expect(world.logLines().filter((l) => l.includes('journal lost'))).toHaveLength(1);
  });

  it('replaced by another file: the next alert gets 503 and /readyz fails', async () => {
    w = await bootWorld();
    const world = w;
    const file = world.daemon.journal.file;
    expect((await world.post({ alert_uuid: 'before-swap', location: 'store-c', camera_id: '1' })).status).toBe(200);
    // A restore done wrong: another database moved over the live one.
    copyFileSync(file, `${file}.copy`);
    renameSync(`${file}.copy`, file);
    expect((await world.post({ alert_uuid: 'after-swap', location: 'store-c', camera_id: '2' })).status).toBe(503);
    expect(await readyz(world)).toMatchObject({ status: 503, body: { checks: { journal: false } } });
  });
});
