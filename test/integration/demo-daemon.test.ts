import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir } from '../helpers/paths';
import { CLI, runCli } from '../helpers/cli';
import { waitFor } from '../helpers/quiet-logger';

/**
 * `demo --keep-running` is a daemon like `run`: the operator commands pointed at the config it
 * prints (claim, resolve, replay and reload signal it; silence writes its journal) reach it,
 * and it goes on answering; SIGTERM stops it cleanly. Its console opens with the one-time link
 * it prints, and an admin token set in its env file is kept.
 */
describe('demo --keep-running under the operator commands', () => {
  let demo: ChildProcess | undefined;
  let out = '';
  let err = '';
  const dir = tempDir('vb-demo-keep-');

  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error('dist/ missing: run `npm test` (it builds first)');
  });
  afterAll(() => {
    if (demo && demo.exitCode === null && demo.signalCode === null) demo.kill('SIGKILL');
  });

  it('takes claim, resolve, silence, replay and reload as they are printed, and exits 0 at SIGTERM', async () => {
    // As the package's launcher starts it: found on the PATH, it passes the command it was run as.
    const launcher = join(REPO, 'bin/veesion-bridge');
    const env = { PATH: `${join(REPO, 'bin')}:${process.env.PATH ?? ''}`, VEESION_BRIDGE_COMMAND: launcher };
    demo = spawn(process.execPath, ['--', CLI, 'demo', '--keep-running', '--data-dir', dir], { env });
    const d = demo;
    d.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    d.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
      d.once('exit', (code, signal) => r({ code, signal })),
    );
    await waitFor(() => out.includes('Ctrl-C stops') || d.exitCode !== null, 90_000, 'the demo keeps running');
    expect(out).toContain('demo OK');

    // Its hints: the config files every operator command takes, and the daemon's port.
    const hint =
      /operator commands reach this daemon with the same files, e\.g\. .* (--env-file \S+ --stores-file \S+)/.exec(out);
    const port = /daemon receiving on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1];
    expect(hint).not.toBeNull();
    // Named as the user runs it: on the PATH, by its name alone.
    expect(out).toContain('still running; send more with: veesion-bridge test-alert --store ');
    expect(out).toContain('e.g. veesion-bridge claim <alert-id> --by <name> --env-file ');
    const files = hint?.[1]?.split(' ') ?? [];
    const cli = async (args: string[]) => {
      const r = await runCli([...args, ...files]);
      return { code: r.code, out: r.stdout + r.stderr };
    };
    const alive = async (after: string) => {
      expect({ after, exitCode: d.exitCode, signal: d.signalCode }).toEqual({ after, exitCode: null, signal: null });
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect({ after, status: health.status }).toEqual({ after, status: 200 });
    };
    const said = (pattern: RegExp, what: string) => waitFor(() => pattern.test(out), 30_000, what);

    // Its console: the printed link signs in once (the page posts the code from its #fragment).
    const link = /operator console: (http:\/\/127\.0\.0\.1:\d+\/console)#once=(\S+)/.exec(out);
    expect(link).not.toBeNull();
    const [, consoleUrl, code] = link as unknown as [string, string, string];
    const adminToken = /^BRIDGE_ADMIN_TOKEN=(.+)$/m.exec(readFileSync(join(dir, 'env.custom.ini'), 'utf8'))?.[1] ?? '';
    expect(adminToken.length).toBeGreaterThanOrEqual(16);
    expect(out).not.toContain(adminToken);
    expect((await fetch(consoleUrl)).status).toBe(200);
    const once = () =>
      fetch(`http://127.0.0.1:${port}/console/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ once: code }),
      });
    const signedIn = await once();
    expect(signedIn.status).toBe(200);
    const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const stores = await fetch(`http://127.0.0.1:${port}/api/v1/stores`, { headers: { cookie } });
    expect([stores.status, JSON.stringify(await stores.json())]).toEqual([
      200,
      expect.stringContaining('Wildix Test Store'),
    ]);
    expect((await once()).status).toBe(401); // once only

    const sent = await cli(['test-alert', '--store', 'test-store-wildix', '--camera', '9', '--json']);
    expect(sent.code).toBe(0);
    const alertId = (JSON.parse(sent.out) as { alertId: string }).alertId;

    const claimed = await cli(['claim', alertId, '--by', 'Bob']);
    expect(claimed).toMatchObject({ code: 0, out: expect.stringContaining('claimed by Bob') });
    await alive('claim');
    // Woken, the daemon posts the claim in the chat.
    await said(/\| Bob is on it \(.*camera 9\)/, 'the claim in the chat');

    // The chat step again (the demo shows each message): the daemon, woken, runs it.
    const replayed = await cli(['replay', alertId, '--step', 'chat', '--force', '--wait-s', '60']);
    expect(replayed.out).toContain(`${alertId}: requeued chat`);
    expect(replayed.out).toMatch(new RegExp(`${alertId} chat: succeeded`));
    await alive('replay');

    const resolved = await cli(['resolve', alertId, '--outcome', 'false-alarm', '--by', 'Bob']);
    expect(resolved).toMatchObject({ code: 0, out: expect.stringContaining('resolved: false-alarm') });
    await alive('resolve');
    await said(/\| False alarm, says Bob \(camera 9\)/, 'the resolution in the chat');

    const silenced = await cli(['silence', '--store', 'test-store-wildix', '--for', '10m']);
    expect(silenced.code).toBe(0);
    await alive('silence');

    const reloaded = await cli(['reload']);
    expect(reloaded).toMatchObject({ code: 0, out: expect.stringContaining('asked to reload') });
    await alive('reload');

    d.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(err).toBe('');
  }, 240_000);

  it('keeps the admin token already in the env file of a reused --data-dir', async () => {
    const reused = tempDir('vb-demo-again-');
    const envFile = join(reused, 'env.custom.ini');
    const mine = 'my-own-admin-token-0123456789';
    writeFileSync(envFile, `BRIDGE_HTTP_PORT=1\nBRIDGE_ADMIN_TOKEN=${mine}\n`);
    const again = await runCli(['demo', '--data-dir', reused]);
    expect({ code: again.code, ok: again.stdout.includes('demo OK') }).toEqual({ code: 0, ok: true });
    expect(/^BRIDGE_ADMIN_TOKEN=(.+)$/m.exec(readFileSync(envFile, 'utf8'))?.[1]).toBe(mine);
  }, 120_000);
});
