import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon } from '../../src/daemon';
import { loadConfig } from '../../src/config/load';
import { secretValues } from '../../src/config/redact';
import { PgJournal } from '../../src/journal/pg/pg-journal';
import { signInCode } from '../../src/console/sessions';
import { SimWorld, freePort } from '../../src/sim/sim-world';
import { runCli } from '../helpers/cli';
import { threeColourClip } from '../helpers/clips';
import { tempDir } from '../helpers/paths';
import { testPool, usePostgres } from '../helpers/postgres';
import { capturedLogger, waitFor } from '../helpers/quiet-logger';
import { STORES } from '../helpers/world';

const ADMIN = 'admin-token-0123456789abcdef';

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

/**
 * Two daemons on one PostgreSQL journal keep nothing of the journal on their hosts: no SQLite
 * file in either data directory, the hook states `stores` shows are the same on both hosts, a
 * still image one daemon took from an alert's clip is served by the other as well, and a
 * console sign-out (or a spent sign-in code) on one counts on the other, and a user added on one
 * host signs in on either daemon.
 */
describe('two daemons on one PostgreSQL journal: nothing kept per daemon', () => {
  const pg = usePostgres();

  it('no SQLite file on either host, the same hook states on both, a still served by either, one sign-out for both', async () => {
    const url = await pg.fresh();
    const dir = tempDir();
    const clip = await threeColourClip(dir);
    const world = await new SimWorld({
      dir,
      stores: STORES,
      settings: {
        BRIDGE_JOURNAL_URL: url,
        BRIDGE_ADMIN_TOKEN: ADMIN,
        BRIDGE_STILL_TIMEOUT_MS: '60000',
        BRIDGE_LOG_LEVEL: 'error',
      },
    }).start();
    world.video.video = clip;
    const dataDirs = [join(dir, 'data-0'), join(dir, 'data-1')];
    const daemons: Daemon[] = [];
    const { db, close } = testPool(url, 1);
    try {
      for (const [i, dataDir] of dataDirs.entries()) {
        const env = {
          BRIDGE_DATA_DIR: dataDir,
          BRIDGE_HTTP_PORT: String(i === 0 ? world.httpPort : await freePort()),
        };
        const config = loadConfig({ envFile: world.envFile, storesFile: world.storesFile, env });
        const { logger } = capturedLogger(secretValues(config.settings));
        const daemon = new Daemon({
          config,
          logger,
          video: world.videoSeams,
          stopDeadlineMs: 2000,
          shared: await PgJournal.open(url),
        });
        await daemon.start();
        daemons.push(daemon);
      }
      const bases = daemons.map((d) => `http://127.0.0.1:${d.port}`);

      // The daemon holding the cron lease registers the hooks and records their states.
      await waitFor(
        async () => Number((await db.query('SELECT COUNT(*) AS n FROM hooks')).rows[0].n) === STORES.length,
        30_000,
        'hook states in the shared journal',
      );
      const hooksSeenFrom = async (dataDir: string) => {
        const r = await runCli(['stores', '--json', '--env-file', world.envFile, '--stores-file', world.storesFile], {
          BRIDGE_DATA_DIR: dataDir,
        });
        const out = JSON.parse(r.stdout) as { hookProblem: string | null; stores: { hook: unknown }[] };
        expect(out.hookProblem).toBeNull();
        return out.stores.map((s) => s.hook);
      };
      const [first, second] = [await hooksSeenFrom(dataDirs[0] as string), await hooksSeenFrom(dataDirs[1] as string)];
      expect(first).toEqual(second);
      expect(first.filter((h) => (h as { state?: string } | null)?.state === 'registered')).toHaveLength(STORES.length);

      const post = await fetch(`${bases[0]}/api/v1/veesion?token=${world.hookToken}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          alert_uuid: 'still-shared',
          location: 'store-b',
          camera_id: '4',
          video_url: world.video.url('clip-1'),
        }),
      });
      expect(post.status).toBe(200);
      const still = (base: string) =>
        fetch(`${base}/api/v1/alerts/still-shared/still`, { headers: { authorization: `Bearer ${ADMIN}` } });
      await waitFor(async () => (await still(bases[1] as string)).status === 200, 60_000, 'the still on daemon 1');
      const served = await Promise.all(
        bases.map(async (b) => {
          const res = await still(b);
          expect(res.headers.get('content-type')).toMatch(/^image\/jpeg/);
          return Buffer.from(await res.arrayBuffer());
        }),
      );
      expect([...(served[0] as Buffer).subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
      expect(served[1]).toEqual(served[0]);

      // A console session signed out on one daemon is refused by the other; a sign-in code spent
      // on one is spent for both.
      const signIn = async (base: string, body: object) => {
        const res = await fetch(`${base}/console/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
        return { status: res.status, cookie, csrf: res.ok ? ((await res.json()) as { csrf: string }).csrf : '' };
      };
      const signedIn = async (base: string, cookie: string) =>
        (await fetch(`${base}/console/session`, { headers: { cookie } })).status === 200;
      const session = await signIn(bases[0] as string, { token: ADMIN });
      expect(session.status).toBe(200);
      expect(await signedIn(bases[1] as string, session.cookie)).toBe(true);
      const out = await fetch(`${bases[0]}/console/session/logout`, {
        method: 'POST',
        headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
      });
      expect(out.status).toBe(200);
      expect(await signedIn(bases[0] as string, session.cookie)).toBe(false);
      // At once on the other: each request reads its session from the journal.
      expect(await signedIn(bases[1] as string, session.cookie)).toBe(false);

      // A user added on one host signs in on either daemon, and a sign-out on one ends it on both.
      const added = await runCli(
        ['users', 'add', 'marco', '--role', 'manager', '--env-file', world.envFile, '--stores-file', world.storesFile],
        { BRIDGE_DATA_DIR: dataDirs[0] as string },
        'marco-password-123\n',
      );
      expect([added.code, added.stderr]).toEqual([0, '']);
      const marco = await signIn(bases[1] as string, { user: 'marco', password: 'marco-password-123' });
      expect(marco.status).toBe(200);
      expect(await signedIn(bases[0] as string, marco.cookie)).toBe(true);
      const marcoOut = await fetch(`${bases[1]}/console/session/logout`, {
        method: 'POST',
        headers: { cookie: marco.cookie, 'x-csrf-token': marco.csrf },
      });
      expect(marcoOut.status).toBe(200);
      expect(await signedIn(bases[0] as string, marco.cookie)).toBe(false);
      expect(await signedIn(bases[1] as string, marco.cookie)).toBe(false);
      const code = signInCode(ADMIN);
      expect((await signIn(bases[0] as string, { once: code })).status).toBe(200);
      // At once, before the other daemon reads the sign-outs again: the journal says it is spent.
      expect((await signIn(bases[1] as string, { once: code })).status).toBe(401);

      for (const dataDir of dataDirs) expect(filesUnder(dataDir).filter((f) => /\.sqlite/.test(f))).toEqual([]);
    } finally {
      for (const d of daemons) await d.stop();
      await close();
      await world.stop();
    }
    for (const dataDir of dataDirs) expect(filesUnder(dataDir).filter((f) => /\.sqlite/.test(f))).toEqual([]);
  }, 120_000);
});
