import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir } from '../helpers/paths';

/**
 * The .deb, for real: `npm run package` builds it, dpkg installs it on this machine, the
 * installed copy runs, and dpkg removes it. It changes the machine (a system user that stays, as
 * Debian's packages leave theirs), so it runs only as root, and never where veesion-bridge is
 * already installed or has left data: a real install is never touched.
 */
const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const nodeVersion = readFileSync(join(REPO, '.node-version'), 'utf8').trim();
const deb = join(REPO, `release/veesion-bridge_${version}_amd64.deb`);
const DATA = '/var/lib/veesion-bridge';
const DEFAULTS = '/etc/default/veesion-bridge';
const EXAMPLES = '/usr/share/doc/veesion-bridge/examples';

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (dpkg -i)';
  if (spawnSync('dpkg-deb', ['--version']).status !== 0) return 'needs dpkg-deb (Debian)';
  const known = spawnSync('dpkg-query', ['-W', '-f=${db:Status-Abbrev}', 'veesion-bridge'], { encoding: 'utf8' });
  if (known.status === 0) return `a veesion-bridge package is on this machine (dpkg status "${known.stdout.trim()}"): not touching it`;
  for (const path of [DATA, '/usr/bin/veesion-bridge', '/usr/lib/veesion-bridge', DEFAULTS]) {
    if (existsSync(path)) return `${path} exists (an install not made by dpkg?): not touching it`;
  }
  return undefined;
}

interface Run { code: number | null; stdout: string; stderr: string }

/**
 * How this machine reaches the npm registry (a proxy, an extra CA): the package's `npm ci` may
 * fetch, when the npm cache holds a package's metadata no longer fresh.
 */
function registryAccess(): Record<string, string> {
  const keys = Object.keys(process.env).filter((k) => k === 'NODE_EXTRA_CA_CERTS' || /^(https?_proxy|no_proxy|npm_config_(registry|cafile|proxy|https_proxy|strict_ssl))$/i.test(k));
  return Object.fromEntries(keys.map((k) => [k, process.env[k] as string]));
}

/** Runs a command without blocking jest's timers; its stderr is kept and also shown live when `show`. */
function run(cmd: string, args: string[], opts: { cwd?: string; show?: boolean } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? tempDir(),
      env: { PATH: process.env['PATH'], HOME: process.env['HOME'], DEBIAN_FRONTEND: 'noninteractive', LANG: 'C.UTF-8', ...registryAccess() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (opts.show) process.stderr.write(c);
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const mode = (path: string) => (statSync(path).mode & 0o7777).toString(8);
const owner = (path: string) => spawnSync('stat', ['-c', '%U:%G', path], { encoding: 'utf8' }).stdout.trim();
const installed = () => spawnSync('dpkg-query', ['-W', 'veesion-bridge']).status === 0;

const reason = skipReason();
if (reason) console.warn(`package.test.ts skipped: ${reason}`);

(reason ? describe.skip : describe)(`the .deb${reason ? ` (skipped: ${reason})` : ''}`, () => {
  // With an asterisk group the cache is shared with Asterisk; made for the test when missing.
  const madeAsteriskGroup = spawnSync('getent', ['group', 'asterisk']).status !== 0;

  beforeAll(async () => {
    if (madeAsteriskGroup) expect(spawnSync('groupadd', ['--system', 'asterisk']).status).toBe(0);
  });

  afterAll(async () => {
    if (installed()) await run('dpkg', ['--purge', 'veesion-bridge']);
    if (madeAsteriskGroup) spawnSync('groupdel', ['asterisk']);
  });

  it('npm run package builds it with the runtime, production dependencies and the files of deploy/', async () => {
    const built = await run('npm', ['run', '--silent', 'package'], { cwd: REPO, show: true });
    expect(built.code).toBe(0);
    expect(built.stdout.trim().split('\n').pop()).toBe(`release/veesion-bridge_${version}_amd64.deb`);
    const field = (name: string) => spawnSync('dpkg-deb', ['-f', deb, name], { encoding: 'utf8' }).stdout.trim();
    expect([field('Package'), field('Version'), field('Architecture')]).toEqual(['veesion-bridge', version, 'amd64']);
    expect(field('Depends')).toMatch(/espeak-ng.*ffmpeg/);
    const files = spawnSync('dpkg-deb', ['-c', deb], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
    for (const path of [
      './usr/bin/veesion-bridge',
      './usr/lib/veesion-bridge/node/bin/node',
      './usr/lib/veesion-bridge/dist/src/cli/main.js',
      './usr/lib/veesion-bridge/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      './usr/lib/veesion-bridge/sounds/chime.wav',
      './usr/lib/veesion-bridge/dist/src/console/assets/console.js',
      './usr/lib/veesion-bridge/node_modules/chart.js/dist/chart.umd.min.js',
      './lib/systemd/system/veesion-bridge.service',
      './usr/share/veesion-bridge/asterisk/manager-veesion.conf',
      './usr/share/veesion-bridge/asterisk/confbridge-veesion.conf',
      './usr/share/veesion-bridge/asterisk/extensions-veesion.conf',
      './usr/share/veesion-bridge/systemd/callfile-spool.conf',
      './etc/default/veesion-bridge',
    ]) {
      expect(files).toContain(` ${path}\n`);
    }
    // Production only: no tests, no dev dependencies, no headers.
    expect(files).not.toMatch(/ \.\/usr\/lib\/veesion-bridge\/(dist\/)?(test|bench)\/|node_modules\/(jest|typescript|ts-jest|playwright-core)\/|include\/node\//);
    // dpkg never overwrites an edited conffile.
    expect(spawnSync('dpkg-deb', ['-I', deb, 'conffiles'], { encoding: 'utf8' }).stdout).toBe(`${DEFAULTS}\n`);
  }, 15 * 60_000);

  it('installs with dpkg -i: the service user, the data directory Asterisk can reach, no service on an invalid configuration', async () => {
    const r = await run('dpkg', ['-i', deb]);
    expect(r.code).toBe(0);
    const defaultsMissing = !existsSync('/rw2/etc/env.custom.ini');
    if (defaultsMissing) expect(r.stderr).toContain('the service is not started: its configuration is not valid yet');
    expect(spawnSync('getent', ['passwd', 'veesion-bridge'], { encoding: 'utf8' }).stdout).toMatch(/:\/var\/lib\/veesion-bridge:\/usr\/sbin\/nologin$/m);
    expect([owner(DATA), mode(DATA)]).toEqual(['veesion-bridge:veesion-bridge', '751']);
    expect([owner(`${DATA}/sounds`), mode(`${DATA}/sounds`)]).toEqual(['veesion-bridge:asterisk', '2750']);
    expect((await run('/usr/lib/veesion-bridge/node/bin/node', ['-v'])).stdout.trim()).toBe(`v${nodeVersion}`);
  }, 5 * 60_000);

  it('runs: --version, check-config on the sample files, and demo from the installed copy', async () => {
    expect(await run('/usr/bin/veesion-bridge', ['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
    const check = await run('/usr/bin/veesion-bridge', ['check-config', '--env-file', `${EXAMPLES}/env.custom.ini`, '--stores-file', `${EXAMPLES}/x-hoppers.json`]);
    expect(check.stderr).toBe('');
    expect(check).toMatchObject({ code: 0, stdout: expect.stringContaining('configuration OK') });
    const demo = await run('/usr/bin/veesion-bridge', ['demo']);
    expect(demo.stdout + demo.stderr).toContain('demo OK');
    expect(demo.code).toBe(0);
  }, 3 * 60_000);

  it('an upgrade keeps the journal and the configuration the administrator edited', async () => {
    writeFileSync(`${DATA}/journal.sqlite`, 'kept', { mode: 0o600 });
    appendFileSync(DEFAULTS, 'BRIDGE_ENV_FILE=/etc/veesion-bridge/env.custom.ini\n');
    const r = await run('dpkg', ['-i', deb]);
    expect(r.code).toBe(0);
    expect(readFileSync(`${DATA}/journal.sqlite`, 'utf8')).toBe('kept');
    expect(readFileSync(DEFAULTS, 'utf8')).toContain('BRIDGE_ENV_FILE=/etc/veesion-bridge/env.custom.ini\n');
    // postinst checked the configuration where the edited file says it is.
    expect(r.stderr).toContain('/etc/veesion-bridge/env.custom.ini');
  }, 5 * 60_000);

  it('remove keeps the journal and the configuration; purge deletes them', async () => {
    expect((await run('dpkg', ['-r', 'veesion-bridge'])).code).toBe(0);
    for (const gone of ['/usr/bin/veesion-bridge', '/usr/lib/veesion-bridge', '/lib/systemd/system/veesion-bridge.service', '/usr/share/veesion-bridge']) {
      expect([gone, existsSync(gone)]).toEqual([gone, false]);
    }
    expect(readFileSync(`${DATA}/journal.sqlite`, 'utf8')).toBe('kept');
    expect(existsSync(DEFAULTS)).toBe(true);
    expect((await run('dpkg', ['--purge', 'veesion-bridge'])).code).toBe(0);
    expect([existsSync(DATA), existsSync(DEFAULTS), installed()]).toEqual([false, false, false]);
  }, 5 * 60_000);
});
