import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tempDir } from '../helpers/paths';
import { CLI, runCli } from '../helpers/cli';
import { waitFor } from '../helpers/quiet-logger';

/**
 * `demo --keep-running` is a daemon like `run`: the operator commands pointed at the config it
 * prints (claim, resolve, replay and reload signal it; silence writes its journal) reach it,
 * and it goes on answering; SIGTERM stops it cleanly.
 */
describe('demo --keep-running under the operator commands', () => {
  let demo: ChildProcess | undefined;
  let out = '';
  let err = '';

  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error('dist/ missing: run `npm test` (it builds first)');
  });
  afterAll(() => {
    if (demo && demo.exitCode === null && demo.signalCode === null) demo.kill('SIGKILL');
  });

  it('takes claim, resolve, silence, replay and reload as they are printed, and exits 0 at SIGTERM', async () => {
    demo = spawn(process.execPath, [CLI, 'demo', '--keep-running', '--data-dir', tempDir('vb-demo-keep-')], { env: { PATH: process.env['PATH'] } });
    const d = demo;
    d.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    d.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => d.once('exit', (code, signal) => r({ code, signal })));
    await waitFor(() => out.includes('Ctrl-C stops') || d.exitCode !== null, 90_000, 'the demo keeps running');
    expect(out).toContain('demo OK');

    // Its hints: the config files every operator command takes, and the daemon's port.
    const hint = /operator commands reach this daemon with the same files, e\.g\. .* (--env-file \S+ --stores-file \S+)/.exec(out);
    const port = /daemon receiving on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1];
    expect(hint).not.toBeNull();
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
});
