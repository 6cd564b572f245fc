import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { SimWorld } from '../../src/sim/sim-world';
import { tempDir } from '../helpers/paths';
import { CLI, runCli } from '../helpers/cli';
import { waitFor } from '../helpers/quiet-logger';

async function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  const r = await runCli(args);
  return { code: r.code, out: r.stdout + r.stderr };
}

describe('reload (SIGHUP) picks up x-hoppers.json edits without a restart', () => {
  it('routes a newly added store at once; an invalid edit is refused and the running config kept', async () => {
    const world = await new SimWorld({ dir: tempDir() }).start();
    const files = ['--env-file', world.envFile, '--stores-file', world.storesFile];
    const post = async (id: string, store: string) => {
      const res = await fetch(`http://127.0.0.1:${world.httpPort}/api/v1/veesion?token=${world.hookToken}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ alert_uuid: id, location: store }),
      });
      return ((await res.json()) as { status: string }).status;
    };
    let daemon: ChildProcess | undefined;
    try {
      daemon = spawn(process.execPath, ['--', CLI, 'run', ...files], {
        env: { PATH: process.env.PATH },
        stdio: 'ignore',
      });
      await waitFor(() => world.klaxon.hooks.size > 0, 15_000, 'daemon up');
      expect(await post('r-1', 'store-new')).toBe('unroutable');

      const stores = [
        ...world.stores,
        { store_veesion_id: 'store-new', name: 'New', audio_conf_id: '9', xbees_channel_id: 'chan-new' },
      ];
      writeFileSync(world.storesFile, JSON.stringify(stores));
      world.ami.join('9', { callerIdNum: '209', callerIdName: 'Staff' }); // someone in the new store's room to hear it
      const ok = await cli(['reload', ...files]);
      expect(ok).toEqual({ code: 0, out: expect.stringContaining('asked to reload (2 stores)') });
      await waitFor(() => world.klaxon.hookCalls.length >= 2, 5000, 'hooks registered again after reload');
      expect(await post('r-2', 'store-new')).toBe('accepted');
      await waitFor(
        () => world.ami.originates.some((o) => o.channel === 'Local/9@xhoppers-conf'),
        10_000,
        'announcement in the new conference',
      );

      writeFileSync(world.storesFile, '{"stores": [');
      const refused = await cli(['reload', ...files]);
      expect(refused.code).toBe(78);
      expect(refused.out).toContain('not valid JSON');
      daemon.kill('SIGHUP'); // the daemon itself must refuse it too
      await new Promise((r) => setTimeout(r, 300));
      expect(daemon.exitCode).toBeNull();
      expect(await post('r-3', 'store-new')).toBe('accepted');
    } finally {
      daemon?.kill('SIGKILL');
      await world.stop();
    }
  }, 60_000);
});
