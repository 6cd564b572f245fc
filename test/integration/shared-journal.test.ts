import { SimWorld } from '../../src/sim/sim-world';
import { alertsSaid } from '../../src/sim/ami-sim';
import { saidPerAlert } from '../helpers/said';
import { tempDir } from '../helpers/paths';
import { runCli } from '../helpers/cli';
import { SharedDaemons } from '../helpers/shared-daemons';
import { waitFor } from '../helpers/quiet-logger';
import { usePostgres } from '../helpers/postgres';
import { lcg } from '../helpers/seeded';

const ALERTS = 200;
const KILLS = 3;
/** Repeats on, as users run them, only sooner: each alert's incident is said this many times in all. */
const REPEAT_MAX = 2;
const STORES = Array.from({ length: 20 }, (_, i) => ({
  store_veesion_id: `h${i}`,
  name: `H${i}`,
  audio_conf_id: String(300 + i),
  xbees_channel_id: `chan-h${i}`,
}));

/**
 * Issue 16: two daemon processes on one PostgreSQL journal, the simulators as the PBX, x-bees
 * and Veesion. 200 alerts over 20 stores are posted to both (some to both, as a retry through
 * another daemon would be); the daemon doing the announcements is SIGKILLed at seeded moments,
 * several times (once SIGTERMed instead), and started again, with repeats and escalation on. Every alert that got a
 * 200 must end final and posted, its incident said BRIDGE_REPEAT_MAX times in all (counted at the AMI simulator), once
 * more only for a call in flight at a kill, and no two calls may overlap in a conference.
 */
describe('two daemons, one PostgreSQL journal', () => {
  const pg = usePostgres();

  it(`loses nothing and says nothing twice across ${KILLS} kills (one a clean stop) of the daemon doing the work`, async () => {
    const seed = Number(process.env.SHARED_SEED ?? Date.now() % 100_000);
    const random = lcg(seed);
    const url = await pg.fresh();
    const dir = tempDir();
    const world = await new SimWorld({
      dir,
      stores: STORES,
      settings: {
        VEESION_ALERT_TEXT: 'Theft ${cameraId}',
        BRIDGE_STORM_WINDOW_S: '0',
        BRIDGE_LOG_LEVEL: 'error',
        BRIDGE_JOURNAL_URL: url,
        BRIDGE_REPEAT_S: '3',
        BRIDGE_REPEAT_MAX: String(REPEAT_MAX),
        BRIDGE_ESCALATE_AFTER_S: '45',
      },
    }).start();
    const shared = await SharedDaemons.for(world, dir, url);
    const { daemons, bases, story, db, t0, files } = shared;
    const start = (i: number) => shared.start(i);
    const holderOfRooms = () => shared.holderOfRooms();
    try {
      await start(0);
      await start(1);
      const acked = new Set<string>();
      const killsAt: number[] = [];
      const post = async (base: string, id: string, n: number) => {
        const body = JSON.stringify({ alert_uuid: id, location: `h${n % STORES.length}`, camera_id: String(n) });
        return fetch(`${base}/api/v1/veesion?token=${world.hookToken}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        }).then(
          (r) => r.status,
          () => 0,
        );
      };
      const sending = (async () => {
        for (let n = 0; n < ALERTS; n++) {
          const id = `ha-${n}`;
          const first = n % 2;
          // Until one daemon acknowledges it, as Veesion retries; now and then through both.
          for (let tries = 0; tries < 200 && !acked.has(id); tries++) {
            const target = (first + tries) % 2;
            if ((await post(bases[target] as string, id, n)) === 200) acked.add(id);
            if (random() < 0.25 && (await post(bases[1 - target] as string, id, n)) === 200) acked.add(id);
            if (!acked.has(id)) await new Promise((r) => setTimeout(r, 50));
          }
          await new Promise((r) => setTimeout(r, 20 + random() * 80));
        }
      })();
      for (let k = 0; k < KILLS; k++) {
        await new Promise((r) => setTimeout(r, 1_000 + random() * 3_000));
        // The daemon doing the announcements, so its conferences are taken over.
        await waitFor(async () => (await holderOfRooms()) !== undefined, 30_000, 'a daemon holding the conferences');
        const victim = (await holderOfRooms()) as number;
        const exited = new Promise((r) => daemons[victim]?.once('exit', r));
        // The second time a clean stop (SIGTERM): it hands its conferences over once its calls are done.
        daemons[victim]?.kill(k === 1 ? 'SIGTERM' : 'SIGKILL');
        killsAt.push(Date.now());
        await exited;
        await start(victim);
      }
      await sending;
      expect(acked.size).toBe(ALERTS);

      const unfinished = async () =>
        Number((await db.query(`SELECT COUNT(*) AS n FROM steps WHERE state IN ('pending', 'running')`)).rows[0]?.n);
      await waitFor(async () => (await unfinished()) === 0, 120_000, 'every step final');
      const open = async () =>
        Number((await db.query(`SELECT COUNT(*) AS n FROM incidents WHERE state = 'open'`)).rows[0]?.n);
      await waitFor(async () => (await open()) === 0, 120_000, 'every incident through its repeats');
      // Each incident counted its turns once, whichever daemon placed them.
      const miscounted = (
        await db.query(
          `SELECT a.id, i.state, i.announcements FROM alerts a JOIN incidents i ON i.id = a.incident_id WHERE i.state <> 'unclaimed' OR i.announcements <> $1`,
          [REPEAT_MAX],
        )
      ).rows;
      expect({ seed, miscounted }).toEqual({ seed, miscounted: [] });
      const steps = (
        await db.query<{ alert_id: string; step: string; state: string }>('SELECT alert_id, step, state FROM steps')
      ).rows;
      const notDone = [...acked].filter(
        (id) => steps.filter((s) => s.alert_id === id && s.state === 'succeeded').length !== 2,
      );
      expect({ seed, notDone }).toEqual({ seed, notDone: [] });

      await waitFor(() => world.ami.calls.every((c) => c.hungUpAt !== undefined), 20_000, 'the last calls to end');
      const { said, spare } = saidPerAlert(world.ami, killsAt);
      const ok = (id: string) => (said.get(id) ?? 0) >= 1 && (said.get(id) ?? 0) <= REPEAT_MAX + (spare.get(id) ?? 0);
      const notOnce = [...acked]
        .filter((id) => !ok(id))
        .map((id) => `${id}: ${said.get(id) ?? 0} (${spare.get(id) ?? 0} in flight at a kill)`);
      if (notOnce.length > 0) {
        // The story of a failure: the calls that said them, the steps' last records, the leases.
        const calls = world.ami.originates
          .filter((o) => alertsSaid(o).some((id) => !ok(id)))
          .map((o) => `${o.at - t0} ms ${o.actionId} ${alertsSaid(o).join(' ')}`);
        const rows = (
          await db.query(
            `SELECT alert_id, state, attempts, detail, call_token, call_state, updated_at FROM steps WHERE step = 'announce' AND alert_id = ANY($1)`,
            [[...acked].filter((id) => !ok(id))],
          )
        ).rows;
        console.log(
          [
            `seed ${seed}; kills at ${killsAt.map((k) => k - t0).join(', ')} ms`,
            ...calls,
            ...rows.map((r) => JSON.stringify(r)),
            ...story,
          ].join('\n'),
        );
      }
      expect({ seed, notOnce }).toEqual({ seed, notOnce: [] });
      for (const store of STORES) {
        const calls = world.ami.calls
          .filter((c) => c.exten === store.audio_conf_id)
          .sort((a, b) => a.answeredAt - b.answeredAt);
        for (let i = 1; i < calls.length; i++) {
          if ((calls[i]?.answeredAt ?? 0) < (calls[i - 1]?.hungUpAt ?? Infinity)) {
            console.log(
              [
                `seed ${seed}; kills at ${killsAt.map((k) => k - t0).join(', ')} ms; overlap in ${store.audio_conf_id}:`,
                ...calls
                  .slice(Math.max(0, i - 2), i + 2)
                  .map(
                    (c) =>
                      `${c.answeredAt - t0}..${(c.hungUpAt ?? NaN) - t0} ms ${c.actionId} ${alertsSaid(world.ami.originates.find((o) => o.actionId === c.actionId) ?? { variables: [] }).join(' ')}`,
                  ),
                ...story,
              ].join('\n'),
            );
          }
          expect({
            seed,
            room: store.audio_conf_id,
            startsAfterPrevious: (calls[i]?.answeredAt ?? 0) >= (calls[i - 1]?.hungUpAt ?? Infinity),
          }).toEqual({ seed, room: store.audio_conf_id, startsAfterPrevious: true });
        }
      }

      // Who shares the journal and what each holds: `status` (from the journal) and /readyz.
      // (The killed daemons drop off the list once not heard from for a while.)
      let listed: { pid: number; holds: string[] }[] = [];
      await waitFor(
        async () => {
          const st = await runCli(['status', '--json', ...files], { BRIDGE_JOURNAL_URL: url });
          expect(st.code).toBe(0);
          listed = (JSON.parse(st.stdout) as { daemons: { pid: number; holds: string[] }[] }).daemons;
          return listed.length === 2;
        },
        30_000,
        'status to list the two live daemons',
      );
      expect(listed.map((d) => d.pid).sort()).toEqual(daemons.map((d) => d?.pid).sort());
      expect(listed.flatMap((d) => d.holds).sort()).toEqual(
        [...STORES.map((x) => `room:${x.audio_conf_id}`), 'cron'].sort(),
      );
      const ready = (await (await fetch(`${bases[1]}/readyz`)).json()) as {
        details: { journal: { self: string; daemons: unknown[] } };
      };
      expect(ready.details.journal.daemons).toHaveLength(2);
      expect(ready.details.journal.self).toContain(`/${daemons[1]?.pid}/`);
    } finally {
      await shared.stop();
      await world.stop();
    }
  }, 300_000);
});
