import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SimWorld } from '../../src/sim/sim-world';
import { alertsSaid } from '../../src/sim/ami-sim';
import { tempDir } from '../helpers/paths';
import { CLI } from '../helpers/cli';
import { waitFor } from '../helpers/quiet-logger';
import { lcg } from '../helpers/seeded';

const RUNS = 20;
const STORES = Array.from({ length: 10 }, (_, i) => ({ store_veesion_id: `k${i}`, name: `K${i}`, audio_conf_id: String(100 + i), xbees_channel_id: `chan-k${i}` }));


/**
 * The daemon process killed with SIGKILL at random moments while alerts arrive, 20 times over;
 * then started once more. Every acknowledged alert must reach a final state for both steps,
 * each announced and posted at least once. A repeat is allowed only for a call in flight at
 * the kill (between Originate and recording its answer; a call answered before the kill is not
 * placed again), so repeats are bounded by the kills times the conferences.
 */
describe('crash safety: SIGKILL at random points', () => {
  it(`loses no acknowledged alert across ${RUNS} kills`, async () => {
    const seed = Number(process.env['CRASH_SEED'] ?? Date.now() % 100_000);
    const random = lcg(seed);
    const dir = tempDir();
    // A short phrase keeps each conference busy only briefly; no merging, so calls map to alerts.
    const world = await new SimWorld({ dir, stores: STORES, settings: { VEESION_ALERT_TEXT: 'Theft ${cameraId}', BRIDGE_STORM_WINDOW_S: '0', BRIDGE_LOG_LEVEL: 'error' } }).start();
    const files = ['--env-file', world.envFile, '--stores-file', world.storesFile];
    const base = `http://127.0.0.1:${world.httpPort}`;
    const acked: string[] = [];
    let n = 0;
    const start = async () => {
      const d = spawn(process.execPath, [CLI, 'run', ...files], { env: { PATH: process.env['PATH'] }, stdio: 'ignore' });
      await waitFor(async () => (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)), 15_000, 'daemon up');
      return d;
    };
    let daemon = await start();
    try {
      for (let run = 0; run < RUNS; run++) {
        let killed = false;
        const sending = (async () => {
          while (!killed) {
            const id = `crash-${++n}`;
            const body = JSON.stringify({ alert_uuid: id, location: `k${n % STORES.length}`, camera_id: String(n) });
            const status = await fetch(`${base}/api/v1/veesion?token=${world.hookToken}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
              .then((r) => r.status, () => 0);
            if (status === 200) acked.push(id);
            await new Promise((r) => setTimeout(r, 40 + random() * 80));
          }
        })();
        await new Promise((r) => setTimeout(r, 100 + random() * 1400));
        const exited = new Promise((r) => daemon.once('exit', r));
        daemon.kill('SIGKILL');
        await exited;
        killed = true;
        await sending;
        daemon = await start();
      }

      const db = new Database(join(dir, 'data', 'journal.sqlite'), { readonly: true });
      const unfinished = db.prepare("SELECT COUNT(*) AS n FROM steps WHERE state NOT IN ('succeeded', 'dead', 'expired', 'muted')");
      try {
        await waitFor(() => (unfinished.get() as { n: number }).n === 0, 60_000, 'every step final');
        const states = db.prepare('SELECT alert_id, step, state FROM steps').all() as { alert_id: string; step: string; state: string }[];
        const byAlert = new Map<string, string[]>();
        for (const s of states) byAlert.set(s.alert_id, [...(byAlert.get(s.alert_id) ?? []), `${s.step}=${s.state}`]);
        const missing = acked.filter((id) => !byAlert.has(id));
        const notDone = acked.filter((id) => !(byAlert.get(id) ?? []).every((s) => s.endsWith('=succeeded')));
        expect({ missing, notDone }).toEqual({ missing: [], notDone: [] });
      } finally {
        db.close();
      }
      const calls = new Map<string, number>();
      for (const o of world.ami.originates) {
        for (const id of alertsSaid(o)) calls.set(id, (calls.get(id) ?? 0) + 1);
      }
      expect(acked.filter((id) => !calls.has(id))).toEqual([]);
      const repeats = [...calls.values()].reduce((sum, c) => sum + c - 1, 0);
      expect(repeats).toBeLessThanOrEqual(RUNS * STORES.length);
      expect(world.xbees.messages.length).toBeGreaterThanOrEqual(acked.length);
      process.stdout.write(`crash-safety seed ${seed}: ${acked.length} alerts acknowledged over ${RUNS} kills; ` +
        `all final; ${repeats} repeated call(s), ${world.xbees.messages.length - acked.length} post(s) beyond them (repeats, or alerts journaled but killed before their 200)\n`);
    } finally {
      daemon.kill('SIGKILL');
      await world.stop();
    }
  }, 240_000);
});
