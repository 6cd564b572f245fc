import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI } from '../helpers/cli';
import { REPO, STORE, VALID_SETTINGS, tempDir, writeConfig } from '../helpers/paths';

/** The checkout's launcher, as a user runs it. */
const LAUNCHER = join(REPO, 'bin/veesion-bridge');

type Ran = { code: number | null; stdout: string; stderr: string };

function collect(command: string, args: string[], opts: { closeStdout?: boolean } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH },
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    // Our end of its stdout closed before it writes: its every write fails with EPIPE.
    if (opts.closeStdout) child.stdout.destroy();
    else child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The CLI as shells and scripts use it: its output read by a reader that stops early, and the
 * config files named on its command line, through the launcher that starts Node.
 */
describe('the CLI in pipes and with paths (built, run as a process)', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error('dist/ missing: run `npm run build` first');
  });

  it('ends with 0 and no stack when the reader of its output stops after the first line', async () => {
    // Whether the reader has gone before the CLI's last write is a race: many runs meet both orders.
    const commands = [['--help'], ['resolve', '--help'], ['test-alert', '--help'], ['report', '--help']];
    const runs: Ran[] = [];
    for (let i = 0; i < 20; i++) {
      const args = commands[i % commands.length] as string[];
      runs.push(
        await collect('bash', [
          '--norc',
          '--noprofile',
          '-c',
          'set -o pipefail; "$0" "$@" | head -1 >/dev/null',
          LAUNCHER,
          ...args,
        ]),
      );
    }
    expect(runs.filter((r) => r.code !== 0 || r.stderr !== '')).toEqual([]);
  }, 120_000);

  it('ends with 0 and no stack when its stdout is closed before it writes, for help and for a command', async () => {
    const { envFile, storesFile } = writeConfig(tempDir(), VALID_SETTINGS, [STORE]);
    for (const args of [
      ['--help'],
      ['resolve', '--help'],
      ['check-config', '--env-file', envFile, '--stores-file', storesFile],
    ]) {
      const r = await collect(process.execPath, ['--', CLI, ...args], { closeStdout: true });
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
    }
  }, 60_000);

  it.each([
    ['check-config', '--env-file', '/nonexistent/typo.ini'],
    ['check-config', '--stores-file', '/nonexistent/typo.json'],
    ['status', '--env-file', '/nonexistent/x.ini'],
    ['run', '--env-file', '/nonexistent/x.ini'],
  ])('%s %s %s: a missing file is our message and exit 78, through the launcher', async (...args) => {
    const missing = args[2] as string;
    const r = await collect(LAUNCHER, args);
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/^invalid configuration:\n/);
    expect(r.stderr).toContain(`\n  - ${missing}: ${missing} does not exist (ENOENT)`);
    expect(r.stderr).not.toMatch(/node: .*not found/);
  });

  it("the package's launcher ends Node's options before the script, as the checkout's does", () => {
    const exec = (file: string) =>
      readFileSync(join(REPO, file), 'utf8')
        .split('\n')
        .find((l) => /^[A-Z_="$0 ]*exec /.test(l)) ?? '';
    expect(exec('deploy/debian/veesion-bridge')).toMatch(
      /\/node\/bin\/node -- \/usr\/lib\/veesion-bridge\/dist\/src\/cli\/main\.js "\$@"$/,
    );
    expect(exec('bin/veesion-bridge')).toMatch(/scripts\/node" -- "\$here\/\.\.\/dist\/src\/cli\/main\.js" "\$@"$/);
  });
});
