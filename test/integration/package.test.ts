import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { SimWorld } from '../../src/sim/sim-world';
import { REPO, tempDir } from '../helpers/paths';
import { waitFor } from '../helpers/quiet-logger';

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
  if (known.status === 0)
    return `a veesion-bridge package is on this machine (dpkg status "${known.stdout.trim()}"): not touching it`;
  for (const path of [DATA, '/usr/bin/veesion-bridge', '/usr/lib/veesion-bridge', DEFAULTS]) {
    if (existsSync(path)) return `${path} exists (an install not made by dpkg?): not touching it`;
  }
  return undefined;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * How this machine reaches the npm registry (a proxy, an extra CA): the package's `npm ci` may
 * fetch, when the npm cache holds a package's metadata no longer fresh.
 */
function registryAccess(): Record<string, string> {
  const keys = Object.keys(process.env).filter(
    (k) =>
      k === 'NODE_EXTRA_CA_CERTS' ||
      /^(https?_proxy|no_proxy|npm_config_(registry|cafile|proxy|https_proxy|strict_ssl))$/i.test(k),
  );
  return Object.fromEntries(keys.map((k) => [k, process.env[k] as string]));
}

/** Runs a command without blocking jest's timers; its stderr is kept and also shown live when `show`. */
function run(cmd: string, args: string[], opts: { cwd?: string; show?: boolean } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? tempDir(),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DEBIAN_FRONTEND: 'noninteractive',
        LANG: 'C.UTF-8',
        ...registryAccess(),
      },
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

/** The sample files with secrets of their own in place of the placeholders (check-config refuses those). */
function samplesFilledIn(): { envFile: string; storesFile: string } {
  const dir = tempDir();
  const secret = randomBytes(16).toString('hex');
  const filled = (name: string) => {
    const file = join(dir, name);
    writeFileSync(file, readFileSync(`${EXAMPLES}/${name}`, 'utf8').replace(/change-me/g, secret));
    return file;
  };
  return { envFile: filled('env.custom.ini'), storesFile: filled('x-hoppers.json') };
}

/**
 * An older build of the package, made from the one just built: its version sorts before it, and
 * its check-config lacks one of the rules of this version (the hook token may be 8 characters,
 * not 16). It stands for any older version whose daemon runs on a configuration this one
 * refuses. dpkg-deb -R unpacks the package with its control area; the patched files' checksums
 * are updated; gzip -1 keeps the rebuild quick.
 */
function olderBuild(version: string): string {
  const dir = join(tempDir(), 'older');
  const sh = (script: string) => {
    const r = spawnSync('sh', ['-ec', script], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`${script}: ${r.stderr}`);
  };
  mkdirSync(dir);
  sh(`dpkg-deb -R '${deb}' .`);
  const patch = (file: string, from: string | RegExp, to: string) => {
    const text = readFileSync(join(dir, file), 'utf8');
    if (!(typeof from === 'string' ? text.includes(from) : from.test(text)))
      throw new Error(`${file} no longer holds ${String(from)}: choose another rule for the older build`);
    writeFileSync(join(dir, file), text.replace(from, to));
  };
  patch('DEBIAN/control', /^Version: .*$/m, `Version: ${version}`);
  patch('usr/lib/veesion-bridge/package.json', /"version": "[^"]*"/, `"version": "${version}"`);
  patch(
    'usr/lib/veesion-bridge/dist/src/config/settings-schema.js',
    // Whitespace as tsc emits it from the formatted source, whatever the line breaks.
    /VEESION_HOOK_TOKEN: zod_1\.z\s*\.string\(\)\s*\.min\(16,/,
    'VEESION_HOOK_TOKEN: zod_1.z.string().min(8,',
  );
  sh("find . -path ./DEBIAN -prune -o -type f -printf '%P\\0' | LC_ALL=C sort -z | xargs -0 md5sum > DEBIAN/md5sums");
  const older = join(dir, '..', `veesion-bridge_${version}_amd64.deb`);
  sh(`dpkg-deb --root-owner-group -Zgzip -z1 --build . '${older}' >/dev/null`);
  return older;
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

  let olderDaemon: ChildProcess | undefined;
  let world: SimWorld | undefined;

  afterAll(async () => {
    olderDaemon?.kill('SIGKILL');
    await world?.stop();
    if (installed()) await run('dpkg', ['--purge', 'veesion-bridge']);
    if (madeAsteriskGroup) spawnSync('groupdel', ['asterisk']);
  });

  it(
    'npm run package builds it with the runtime, production dependencies and the files of deploy/',
    async () => {
      const built = await run('npm', ['run', '--silent', 'package'], { cwd: REPO, show: true });
      expect(built.code).toBe(0);
      expect(built.stdout.trim().split('\n').pop()).toBe(`release/veesion-bridge_${version}_amd64.deb`);
      const field = (name: string) => spawnSync('dpkg-deb', ['-f', deb, name], { encoding: 'utf8' }).stdout.trim();
      expect([field('Package'), field('Version'), field('Architecture')]).toEqual(['veesion-bridge', version, 'amd64']);
      expect(field('Depends')).toMatch(/espeak-ng.*ffmpeg/);
      // The C and C++ runtime the binaries need, as the build measured it (objdump -T).
      expect(field('Depends')).toMatch(/libc6 \(>= 2\.\d+\), libstdc\+\+6 \(>= [\d.]+\)/);
      expect(field('Maintainer')).not.toMatch(/localhost/);
      // xz, which every dpkg reads (zstd only dpkg 1.21.18 and later).
      expect(spawnSync('ar', ['t', deb], { encoding: 'utf8' }).stdout.split('\n')).toEqual([
        'debian-binary',
        'control.tar.xz',
        'data.tar.xz',
        '',
      ]);
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
        './usr/share/doc/veesion-bridge/copyright',
        './usr/share/doc/veesion-bridge/changelog.gz',
        './usr/share/man/man1/veesion-bridge.1.gz',
        './usr/share/lintian/overrides/veesion-bridge',
      ]) {
        expect(files).toContain(` ${path}\n`);
      }
      // Native modules are stripped libraries, not programs.
      expect(files).toMatch(
        /^-rw-r--r-- \S+ +\d+ [\d-]+ [\d:]+ \.\/usr\/lib\/veesion-bridge\/node_modules\/better-sqlite3\/build\/Release\/better_sqlite3\.node$/m,
      );
      // What npm modules publish for their own development is left out.
      expect(files).not.toMatch(/node_modules\/.*(\/\.[^/\n]+\/?|\.map|\.ts|\/README\.md|\/(test|tests|docs?)\/)$/m);
      // The configuration check preinst runs before an upgrade, in the control area.
      const control = spawnSync('dpkg-deb', ['--ctrl-tarfile', deb], { maxBuffer: 64 << 20 }).stdout;
      const members = spawnSync('tar', ['-t'], { input: control, encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
      expect(
        members
          .split('\n')
          .filter((m) => /^\.\/(preinst|check-config\.tar)$/.test(m))
          .sort(),
      ).toEqual(['./check-config.tar', './preinst']);
      // Production only: no tests, no dev dependencies, no headers.
      expect(files).not.toMatch(
        / \.\/usr\/lib\/veesion-bridge\/(dist\/)?(test|bench)\/|node_modules\/(jest|typescript|ts-jest|playwright-core)\/|include\/node\//,
      );
      // dpkg never overwrites an edited conffile.
      expect(spawnSync('dpkg-deb', ['-I', deb, 'conffiles'], { encoding: 'utf8' }).stdout).toBe(`${DEFAULTS}\n`);
    },
    15 * 60_000,
  );

  it(
    "lintian, Debian's package checker, reports no errors",
    async () => {
      if (spawnSync('lintian', ['--version']).status !== 0) {
        // CI brings it (scripts/setup.sh --tests): there the check never goes missing unnoticed.
        if (process.env.CI) throw new Error('lintian is missing (scripts/setup.sh --tests installs it)');
        console.warn(
          'package.test.ts: lintian is not installed (apt-get install lintian, or scripts/setup.sh --tests): the package was not checked with it',
        );
        return;
      }
      const r = await run('lintian', ['--tag-display-limit', '0', deb]);
      const tags = (r.stdout + r.stderr).split('\n');
      const errors = tags.filter((l) => l.startsWith('E: '));
      const warnings = tags.filter((l) => l.startsWith('W: '));
      console.log(
        `lintian: ${errors.length} error(s), ${warnings.length} warning(s)${warnings.length > 0 ? `\n${warnings.join('\n')}` : ''}`,
      );
      expect(errors).toEqual([]);
      expect(r.code).toBe(0);
    },
    5 * 60_000,
  );

  it(
    'installs with dpkg -i: the service user, the data directory Asterisk can reach, no service on an invalid configuration',
    async () => {
      const r = await run('dpkg', ['-i', deb]);
      expect(r.code).toBe(0);
      const defaultsMissing = !existsSync('/rw2/etc/env.custom.ini');
      if (defaultsMissing) expect(r.stderr).toContain('the service is not started: its configuration is not valid yet');
      expect(spawnSync('getent', ['passwd', 'veesion-bridge'], { encoding: 'utf8' }).stdout).toMatch(
        /:\/var\/lib\/veesion-bridge:\/usr\/sbin\/nologin$/m,
      );
      expect([owner(DATA), mode(DATA)]).toEqual(['veesion-bridge:veesion-bridge', '751']);
      expect([owner(`${DATA}/sounds`), mode(`${DATA}/sounds`)]).toEqual(['veesion-bridge:asterisk', '2750']);
      expect((await run('/usr/lib/veesion-bridge/node/bin/node', ['-v'])).stdout.trim()).toBe(`v${nodeVersion}`);
    },
    5 * 60_000,
  );

  it(
    'runs: --version, check-config on the sample files, and demo from the installed copy',
    async () => {
      expect(await run('/usr/bin/veesion-bridge', ['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
      const samples = samplesFilledIn();
      const check = await run('/usr/bin/veesion-bridge', [
        'check-config',
        '--env-file',
        samples.envFile,
        '--stores-file',
        samples.storesFile,
      ]);
      expect(check.stderr).toBe('');
      expect(check).toMatchObject({ code: 0, stdout: expect.stringContaining('configuration OK') });
      const demo = await run('/usr/bin/veesion-bridge', ['demo']);
      expect(demo.stdout + demo.stderr).toContain('demo OK');
      expect(demo.code).toBe(0);
    },
    3 * 60_000,
  );

  it(
    'an upgrade keeps the journal and the configuration the administrator edited',
    async () => {
      writeFileSync(`${DATA}/journal.sqlite`, 'kept', { mode: 0o600 });
      appendFileSync(DEFAULTS, 'BRIDGE_ENV_FILE=/etc/veesion-bridge/env.custom.ini\n');
      const r = await run('dpkg', ['-i', deb]);
      expect(r.code).toBe(0);
      expect(readFileSync(`${DATA}/journal.sqlite`, 'utf8')).toBe('kept');
      expect(readFileSync(DEFAULTS, 'utf8')).toContain('BRIDGE_ENV_FILE=/etc/veesion-bridge/env.custom.ini\n');
      // postinst checked the configuration where the edited file says it is.
      expect(r.stderr).toContain('/etc/veesion-bridge/env.custom.ini');
    },
    5 * 60_000,
  );

  it(
    'remove keeps the journal and the configuration; purge deletes them',
    async () => {
      expect((await run('dpkg', ['-r', 'veesion-bridge'])).code).toBe(0);
      for (const gone of [
        '/usr/bin/veesion-bridge',
        '/usr/lib/veesion-bridge',
        '/lib/systemd/system/veesion-bridge.service',
        '/usr/share/veesion-bridge',
      ]) {
        expect([gone, existsSync(gone)]).toEqual([gone, false]);
      }
      expect(readFileSync(`${DATA}/journal.sqlite`, 'utf8')).toBe('kept');
      expect(existsSync(DEFAULTS)).toBe(true);
      expect((await run('dpkg', ['--purge', 'veesion-bridge'])).code).toBe(0);
      expect([existsSync(DATA), existsSync(DEFAULTS), installed()]).toEqual([false, false, false]);
    },
    5 * 60_000,
  );

  it(
    'an upgrade whose new rules refuse the configuration stops before any file changes: the older daemon still answers',
    async () => {
      const older = `${version}~older`;
      const olderDeb = olderBuild(older);
      // A configuration the older version runs on: a hook token of 10 characters.
      const dir = tempDir();
      chmodSync(dir, 0o755); // the service user reads it, as the package's scripts check as that user
      world = await new SimWorld({ dir, settings: { VEESION_HOOK_TOKEN: 'short-tok1' } }).start();
      const files = ['--env-file', world.envFile, '--stores-file', world.storesFile];
      expect((await run('dpkg', ['-i', olderDeb])).code).toBe(0);
      appendFileSync(DEFAULTS, `BRIDGE_ENV_FILE=${world.envFile}\nBRIDGE_STORES_FILE=${world.storesFile}\n`);
      expect(await run('/usr/bin/veesion-bridge', ['check-config', ...files])).toMatchObject({ code: 0 });

      olderDaemon = spawn('/usr/bin/veesion-bridge', ['run', ...files], {
        env: { PATH: process.env.PATH },
        stdio: 'ignore',
      });
      const answers = () =>
        fetch(`http://127.0.0.1:${world?.httpPort}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
      await waitFor(answers, 30_000, 'the older daemon up');

      const refused = await run('dpkg', ['-i', deb]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(
        `veesion-bridge: not upgraded to ${version}: it refuses the configuration that ${older}, installed, accepts:`,
      );
      expect(refused.stderr).toMatch(/VEESION_HOOK_TOKEN: must be at least 16 characters/);
      // dpkg kept the older version, its files untouched, and its daemon kept running.
      expect(
        spawnSync('dpkg-query', ['-W', '-f=${Version} ${db:Status-Abbrev}', 'veesion-bridge'], {
          encoding: 'utf8',
        }).stdout.trim(),
      ).toBe(`${older} ii`);
      expect(await run('/usr/bin/veesion-bridge', ['--version'])).toMatchObject({ code: 0, stdout: `${older}\n` });
      expect([olderDaemon.exitCode, await answers()]).toEqual([null, true]);

      // Once the configuration satisfies the new rule, the same upgrade goes through.
      writeFileSync(
        world.envFile,
        readFileSync(world.envFile, 'utf8').replace(
          'VEESION_HOOK_TOKEN=short-tok1',
          `VEESION_HOOK_TOKEN=${randomBytes(16).toString('hex')}`,
        ),
      );
      olderDaemon.kill('SIGTERM');
      const upgraded = await run('dpkg', ['-i', deb]);
      expect(upgraded.stderr).not.toContain('not upgraded');
      expect(upgraded.code).toBe(0);
      expect(await run('/usr/bin/veesion-bridge', ['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
    },
    10 * 60_000,
  );
});
