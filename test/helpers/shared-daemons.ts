import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Pool } from 'pg';
import type { SimWorld } from '../../src/sim/sim-world';
import { freePort } from '../../src/sim/sim-world';
import { CLI } from './cli';
import { waitFor } from './quiet-logger';
import { testPool } from './postgres';

/**
 * Daemon processes sharing one PostgreSQL journal (BRIDGE_JOURNAL_URL in the world's env file),
 * each with its own HTTP port and data directory. Their lease changes and errors are kept as
 * the story a failing test prints.
 */
export class SharedDaemons {
  readonly daemons: (ChildProcess | undefined)[];
  readonly bases: string[];
  readonly story: string[] = [];
  readonly db: Pool;
  readonly t0 = Date.now();
  /** The test's connections still open, which `stop()` waits to see closed. */
  private readonly closeDb: () => Promise<void>;

  private constructor(
    private readonly world: SimWorld,
    private readonly dir: string,
    private readonly ports: number[],
    url: string,
  ) {
    this.daemons = ports.map(() => undefined);
    this.bases = ports.map((p) => `http://127.0.0.1:${p}`);
    // An idle connection of the test's cut by the server (its shutdown, a terminated backend) is told in the story.
    const pool = testPool(url, 2, (err) =>
      this.story.push(`${Date.now() - this.t0} ms the test's own connection: ${err.message}`),
    );
    this.db = pool.db;
    this.closeDb = pool.close;
  }

  /** `count` daemons' places: the first on the world's HTTP port, the others on free ones. */
  static async for(world: SimWorld, dir: string, url: string, count = 2): Promise<SharedDaemons> {
    const ports = [world.httpPort];
    while (ports.length < count) ports.push(await freePort());
    return new SharedDaemons(world, dir, ports, url);
  }

  get files(): string[] {
    return ['--env-file', this.world.envFile, '--stores-file', this.world.storesFile];
  }

  /** Starts daemon `i` and waits for it to be ready: the journal, the AMI and the listener. */
  async start(i: number): Promise<void> {
    const env = {
      PATH: process.env.PATH,
      BRIDGE_HTTP_PORT: String(this.ports[i]),
      BRIDGE_DATA_DIR: join(this.dir, `data-${i}`),
      BRIDGE_LOG_LEVEL: 'info',
    };
    const child = spawn(process.execPath, ['--', CLI, 'run', ...this.files], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.daemons[i] = child;
    let rest = '';
    child.stderr?.on('data', (d: Buffer) => {
      const lines = (rest + d.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines)
        if (/lease|"level":"error"/.test(l))
          this.story.push(`${Date.now() - this.t0} ms daemon ${i} pid ${child.pid}: ${l.slice(0, 300)}`);
    });
    await waitFor(
      async () =>
        await fetch(`${this.bases[i]}/readyz`).then(
          (r) => r.ok,
          () => false,
        ),
      30_000,
      `daemon ${i} ready`,
    );
  }

  /** Kills daemon `i` (SIGKILL unless told) and waits for it to be gone. */
  async kill(i: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.daemons[i];
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }

  /** Which daemon holds the conferences now (undefined while none does). */
  async holderOfRooms(): Promise<number | undefined> {
    const r = await this.db.query<{ pid: string }>(
      `SELECT d.pid FROM leases l JOIN daemons d ON d.id = l.holder WHERE l.name LIKE 'room:%' AND l.until > (extract(epoch from clock_timestamp()) * 1000) LIMIT 1`,
    );
    const pid = Number(r.rows[0]?.pid);
    const i = this.daemons.findIndex((d) => d?.pid === pid);
    return i >= 0 ? i : undefined;
  }

  /**
   * Kills every daemon and closes the test's connections, waiting for both: the PostgreSQL server
   * is shut down right after, and a connection still open then is cut with an error. The pool's
   * `end()` resolves once it has asked its connections to close, not once they are closed.
   */
  async stop(): Promise<void> {
    await Promise.all(this.daemons.map((_, i) => this.kill(i)));
    await this.closeDb();
  }
}
