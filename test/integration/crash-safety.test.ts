import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SimWorld } from '../../src/sim/sim-world';
import { saidPerAlert } from '../helpers/said';
import { tempDir } from '../helpers/paths';
import { CLI } from '../helpers/cli';
import { waitFor } from '../helpers/quiet-logger';
import { lcg } from '../helpers/seeded';

const RUNS = 20;
/** Repeats on, as users run them, only sooner: each alert's incident is said this many times in all. */
const REPEAT_MAX = 2;
const STORES = Array.from({ length: 10 }, (_, i) => ({
  store_veesion_id: `k${i}`,
  name: `K${i}`,
  audio_conf_id: String(100 + i),
  xbees_channel_id: `chan-k${i}`,
}));

/**
 * The daemon process killed with SIGKILL at random moments while alerts arrive, 20 times over;
 * then started once more, with repeats and escalation on. Every acknowledged alert must reach a
 * final state for both steps and be posted; its incident is said BRIDGE_REPEAT_MAX times in all,
 * first announcement and repeats, whichever process placed them: once more only for a call in
 * flight at a kill (its Originate sent, its answer not yet in the journal), so a crash never
 * turns into an announcement said again for an alert that was heard.
 */
describe('crash safety: SIGKILL at random points', () => {
  it(`loses no acknowledged alert across ${RUNS} kills`, async () => {
    const seed = Number(process.env.CRASH_SEED ?? Date.now() % 100_000);
    const random = lcg(seed);
    const dir = tempDir();
    // A short phrase keeps each conference busy only briefly; no merging, so calls map to alerts.
    const world = await new SimWorld({
      dir,
      stores: STORES,
      settings: {
        VEESION_ALERT_TEXT: 'Theft ${cameraId}',
        BRIDGE_STORM_WINDOW_S: '0',
        BRIDGE_LOG_LEVEL: 'error',
        BRIDGE_REPEAT_S: '3',
        BRIDGE_REPEAT_MAX: String(REPEAT_MAX),
        BRIDGE_ESCALATE_AFTER_S: '45',
      },
    }).start();
    const kills: number[] = [];
    const files = ['--env-file', world.envFile, '--stores-file', world.storesFile];
    const base = `http://127.0.0.1:${world.httpPort}`;
    const acked: string[] = [];
    let n = 0;
    const start = async () => {
      const d = spawn(process.execPath, ['--', CLI, 'run', ...files], {
        env: { PATH: process.env.PATH },
        stdio: 'ignore',
      });
      await waitFor(
        async () =>
          await fetch(`${base}/healthz`).then(
            (r) => r.ok,
            () => false,
          ),
        15_000,
        'daemon up',
      );
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
            const status = await fetch(`${base}/api/v1/veesion?token=${world.hookToken}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body,
            }).then(
              (r) => r.status,
              () => 0,
            );
            if (status === 200) acked.push(id);
            await new Promise((r) => setTimeout(r, 40 + random() * 80));
          }
        })();
        await new Promise((r) => setTimeout(r, 100 + random() * 1400));
        const exited = new Promise((r) => daemon.once('exit', r));
        daemon.kill('SIGKILL');
        kills.push(Date.now());
        await exited;
        killed = true;
        await sending;
        daemon = await start();
      }

      const db = new Database(join(dir, 'data', 'journal.sqlite'), { readonly: true });
      const unfinished = db.prepare(
        "SELECT COUNT(*) AS n FROM steps WHERE state NOT IN ('succeeded', 'dead', 'expired', 'muted')",
      );
      const open = db.prepare("SELECT COUNT(*) AS n FROM incidents WHERE state = 'open'");
      try {
        await waitFor(() => (unfinished.get() as { n: number }).n === 0, 60_000, 'every step final');
        await waitFor(() => (open.get() as { n: number }).n === 0, 90_000, 'every incident through its repeats');
        await waitFor(() => world.ami.calls.every((c) => c.hungUpAt !== undefined), 20_000, 'the last calls to end');
        const states = db.prepare('SELECT alert_id, step, state FROM steps').all() as {
          alert_id: string;
          step: string;
          state: string;
        }[];
        const byAlert = new Map<string, string[]>();
        for (const s of states) byAlert.set(s.alert_id, [...(byAlert.get(s.alert_id) ?? []), `${s.step}=${s.state}`]);
        const missing = acked.filter((id) => !byAlert.has(id));
        const notDone = acked.filter((id) => !(byAlert.get(id) ?? []).every((s) => s.endsWith('=succeeded')));
        expect({ missing, notDone }).toEqual({ missing: [], notDone: [] });
        // Each incident counted its turns once, wherever they were placed.
        const miscounted = db
          .prepare(
            `SELECT a.id, i.state, i.announcements FROM alerts a JOIN incidents i ON i.id = a.incident_id WHERE i.state <> 'unclaimed' OR i.announcements <> ?`,
          )
          .all(REPEAT_MAX);
        expect({ seed, miscounted }).toEqual({ seed, miscounted: [] });
      } finally {
        db.close();
      }
      const { said, spare } = saidPerAlert(world.ami, kills);
      const wrong = acked
        .filter((id) => (said.get(id) ?? 0) < 1 || (said.get(id) ?? 0) > REPEAT_MAX + (spare.get(id) ?? 0))
        .map((id) => `${id}: said ${said.get(id) ?? 0}, ${spare.get(id) ?? 0} in flight at a kill`);
      expect({ seed, wrong }).toEqual({ seed, wrong: [] });
      const beyond = acked.reduce((sum, id) => sum + Math.max(0, (said.get(id) ?? 0) - REPEAT_MAX), 0);
      expect(world.xbees.messages.length).toBeGreaterThanOrEqual(acked.length);
      process.stdout.write(
        `crash-safety seed ${seed}: ${acked.length} alerts acknowledged over ${RUNS} kills; ` +
          `all final; ${beyond} announcement(s) beyond ${REPEAT_MAX} each (calls in flight at a kill)\n`,
      );
    } finally {
      daemon.kill('SIGKILL');
      await world.stop();
    }
  }, 240_000);
});
