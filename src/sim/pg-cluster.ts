import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './sim-world';

/**
 * A real, throwaway PostgreSQL for the tests and the bench: `initdb` in a temporary directory,
 * `postgres` on a free loopback port, trust authentication for one user, stopped and deleted by
 * `stop()`. Not a simulator: the journal runs against Debian's own server. Run as root (CI),
 * the server runs as the `postgres` user (or nobody), since PostgreSQL refuses to run as root.
 */
export interface PgCluster {
  /** A connection URL for `database` (default: `postgres`). */
  url(database?: string): string;
  /** A new empty database; returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

const USER = 'bridge';

/** Where Debian puts the server's programs (initdb is not on PATH there). */
export function pgBinDir(): string | undefined {
  const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout.trim();
  const candidates = [
    ...(process.env.PG_BINDIR ? [process.env.PG_BINDIR] : []),
    ...(existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql')
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => `/usr/lib/postgresql/${v}/bin`)
      : []),
  ];
  for (const dir of candidates) if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) return dir;
  // A PATH initdb may be a wrapper (Debian's pg_wrapper) or a symlink: use its directory only if postgres is beside it.
  if (onPath) {
    const dir = onPath.replace(/\/initdb$/, '');
    if (existsSync(join(dir, 'postgres'))) return dir;
  }
  return undefined;
}

function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const r = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    if (r.status !== 0) continue;
    const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
  }
  throw new Error('running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as');
}

/** True once the server answers a query (a bound port alone may still say "starting up"). */
async function answers(port: number): Promise<boolean> {
  const { Client } = await import('pg');
  const c = new Client({ host: '127.0.0.1', port, user: USER, database: 'postgres', connectionTimeoutMillis: 2000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

export async function startPgCluster(opts: { deadlineMs?: number } = {}): Promise<PgCluster> {
  const bin = pgBinDir();
  if (!bin)
    throw new Error(
      "PostgreSQL server programs not found (install Debian's postgresql package: scripts/setup.sh --tests)",
    );
  const root = mkdtempSync(join(tmpdir(), 'vb-pg-'));
  const data = join(root, 'data');
  const as = serverUser();
  if (as) chownSync(root, as.uid, as.gid);
  const run = (cmd: string, args: string[]) =>
    execFileSync(join(bin, cmd), args, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(as ?? {}),
      env: { ...process.env, LC_ALL: 'C' },
    });
  run('initdb', ['-D', data, '-U', USER, '--auth=trust', '--encoding=UTF8', '--no-instructions']);
  let port = 0;
  let server: ReturnType<typeof spawn> | undefined;
  // Another process may take the free port between our probe and the server's bind: try again.
  for (let attempt = 0; attempt < 5 && !server; attempt++) {
    port = await freePort();
    const child = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        root,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'max_connections=200',
        '-c',
        'shared_buffers=32MB',
        '-c',
        'logging_collector=off',
      ],
      { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], ...(as ?? {}), env: { ...process.env, LC_ALL: 'C' } },
    );
    let log = '';
    child.stderr?.on('data', (d: Buffer) => {
      log = (log + d.toString()).slice(-4000);
    });
    const deadline = Date.now() + (opts.deadlineMs ?? 30_000);
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    while (!exited && Date.now() < deadline && !(await answers(port))) await new Promise((r) => setTimeout(r, 50));
    if (!exited && (await answers(port))) {
      server = child;
      break;
    }
    child.kill('SIGKILL');
    if (!/could not bind|Address already in use/.test(log)) {
      rmSync(root, { recursive: true, force: true });
      throw new Error(`PostgreSQL did not start: ${log.trim().split('\n').slice(-3).join(' | ')}`);
    }
  }
  if (!server) throw new Error('PostgreSQL found no free port in 5 tries');
  const live = server;
  const url = (database = 'postgres') => `postgres://${USER}@127.0.0.1:${port}/${database}`;
  return {
    url,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      const { Client } = await import('pg');
      const c = new Client({ connectionString: url() });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return url(name);
    },
    async stop() {
      if (live.exitCode === null && live.signalCode === null) {
        const gone = new Promise((r) => live.once('exit', r));
        live.kill('SIGINT'); // fast shutdown
        const timer = setTimeout(() => live.kill('SIGKILL'), 10_000);
        await gone;
        clearTimeout(timer);
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
