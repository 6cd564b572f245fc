import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { verifyPassword } from '../../src/console/passwords';
import { CLI, runCli } from '../helpers/cli';
import { STORE, VALID_SETTINGS, tempDir, writeConfig } from '../helpers/paths';
import { waitFor } from '../helpers/quiet-logger';

/**
 * `veesion-bridge users`, run as a process on a fresh data directory: passwords from standard
 * input or generated, only their hashes in the journal, and every refusal before anything is kept.
 */
describe('veesion-bridge users (built, run as a process)', () => {
  let files: string[];
  let journal: string;
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error('dist/ missing: run `npm test` (it builds first)');
  });
  beforeEach(() => {
    const dir = tempDir();
    const stores = [STORE, { ...STORE, store_veesion_id: 'store-2', name: 'Store Two', audio_conf_id: '8' }];
    const { envFile, storesFile } = writeConfig(dir, { ...VALID_SETTINGS, BRIDGE_DATA_DIR: join(dir, 'data') }, stores);
    files = ['--env-file', envFile, '--stores-file', storesFile];
    journal = join(dir, 'data', 'journal.sqlite');
  });

  /** The hash kept for `name`; undefined when there is none, or no journal at all yet. */
  const hashOf = (name: string) => {
    if (!existsSync(journal)) return undefined;
    const db = new Database(journal, { readonly: true });
    try {
      return (db.prepare('SELECT password_hash FROM users WHERE name = ?').get(name) as { password_hash: string })
        ?.password_hash;
    } finally {
      db.close();
    }
  };

  it('adds a user with the password read from standard input; only its hash is kept, and it checks', async () => {
    const r = await runCli(
      ['users', 'add', 'Anna', '--role', 'store', '--stores', 'store-1', '--display-name', 'Anna (Trento)', ...files],
      {},
      'a-long-password-1\n',
    );
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toBe('user anna added: Anna (Trento), store, store-1\n');
    const hash = hashOf('anna');
    expect(hash).not.toContain('a-long-password-1');
    expect(await verifyPassword('a-long-password-1', hash ?? '')).toBe(true);

    const list = await runCli(['users', 'list', '--json', ...files]);
    expect(JSON.parse(list.stdout)).toEqual({
      success: true,
      result: [
        {
          name: 'anna',
          displayName: 'Anna (Trento)',
          role: 'store',
          stores: ['store-1'],
          createdAt: expect.any(Number),
        },
      ],
    });
    const human = await runCli(['users', 'list', ...files]);
    expect(human.stdout.split('\n')[0]).toMatch(/^NAME\s+ROLE\s+STORES\s+DISPLAY NAME$/);
    expect(human.stdout).toMatch(/^anna\s+store\s+store-1\s+Anna \(Trento\)$/m);
  });

  it('--generate prints a password once, and that password is the one kept', async () => {
    const r = await runCli(['users', 'add', 'lp-north', '--role', 'manager', '--generate', '--json', ...files]);
    expect(r.code).toBe(0);
    const { result } = JSON.parse(r.stdout);
    expect(result).toMatchObject({
      name: 'lp-north',
      role: 'manager',
      stores: [],
      password: expect.stringMatching(/^[A-Za-z0-9]{24}$/),
    });
    expect(await verifyPassword(result.password, hashOf('lp-north') ?? '')).toBe(true);
    const human = await runCli(['users', 'passwd', 'lp-north', '--generate', ...files]);
    const password = /^password: (\S+)$/m.exec(human.stdout)?.[1] as string;
    expect(password).not.toBe(result.password);
    expect(await verifyPassword(password, hashOf('lp-north') ?? '')).toBe(true);
    expect(await verifyPassword(result.password, hashOf('lp-north') ?? '')).toBe(false);
  });

  it('refuses bad input with exit 2 and a reason, and keeps nothing', async () => {
    const refused = async (args: string[], input: string, reason: RegExp) => {
      const r = await runCli(['users', ...args, ...files], {}, input);
      expect([r.code, r.stdout]).toEqual([2, '']);
      expect(r.stderr).toMatch(reason);
    };
    const pw = 'a-long-password-1\n';
    await refused(['add', 'bea', '--role', 'store'], pw, /a store user needs --stores/);
    await refused(
      ['add', 'bea', '--role', 'store', '--stores', 'store-9'],
      pw,
      /not in the stores file: store-9 \(known: store-1, store-2\)/,
    );
    await refused(['add', 'bea', '--role', 'admin', '--stores', 'store-1'], pw, /an admin covers every store/);
    await refused(['add', 'bea', '--role', 'owner'], pw, /--role is admin, manager, store; "owner" is none of them/);
    await refused(['add', 'bad name!', '--role', 'admin'], pw, /a user name is 1-64 letters/);
    await refused(
      ['add', 'bea', '--role', 'admin'],
      'short\n',
      /at least 12 characters \(or --generate for one\); nothing was changed/,
    );
    await refused(['add', 'bea', '--role', 'admin'], '', /at least 12 characters/);
    expect(existsSync(journal)).toBe(false); // refused before the journal was opened
    expect((await runCli(['users', 'add', 'bea', '--role', 'admin', ...files], {}, pw)).code).toBe(0);
    await refused(['add', 'BEA', '--role', 'manager'], pw, /a user named bea exists already/);
  });

  it('passwd changes the password read from standard input; remove ends the user; an unknown user is exit 1', async () => {
    await runCli(['users', 'add', 'anna', '--role', 'manager', ...files], {}, 'first-password-12\n');
    const changed = await runCli(['users', 'passwd', 'anna', ...files], {}, 'second-password-34\r\n');
    expect([changed.code, changed.stdout]).toEqual([0, 'password of anna changed\n']);
    expect(await verifyPassword('second-password-34', hashOf('anna') ?? '')).toBe(true);
    expect(await verifyPassword('first-password-12', hashOf('anna') ?? '')).toBe(false);
    const nobody = await runCli(['users', 'passwd', 'nobody', ...files], {}, 'third-password-56\n');
    expect([nobody.code, nobody.stderr]).toEqual([1, 'users: no user named nobody\n']);
    expect((await runCli(['users', 'remove', 'anna', ...files])).stdout).toBe('user anna removed\n');
    // Each change is in the audit trail, under the account that ran the command; a password never.
    const trail = await runCli(['audit', '--json', ...files]);
    const entries = JSON.parse(trail.stdout).result as Record<string, unknown>[];
    expect(entries.map((e) => [e.actor, e.via, e.address, e.action, e.target, e.detail])).toEqual([
      [
        userInfo().username,
        'cli',
        hostname(),
        'users add',
        'anna',
        { role: 'manager', stores: [], displayName: 'anna' },
      ],
      [userInfo().username, 'cli', hostname(), 'users passwd', 'anna', { generated: false }],
      [userInfo().username, 'cli', hostname(), 'users remove', 'anna', {}],
    ]);
    expect(trail.stdout).not.toContain('password-');
    expect((await runCli(['audit', ...files])).stdout).toMatch(/users passwd anna\s+generated=false$/m);
    const bad = await runCli(['audit', '--since', 'last week', ...files]);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/^audit: --since "last week" is not a time/)]);
    const again = await runCli(['users', 'remove', 'anna', ...files]);
    expect([again.code, again.stderr]).toEqual([1, 'users: no user named anna\n']);
    expect(hashOf('anna')).toBeUndefined();
  });

  it('on a terminal the password is asked twice and never echoed; two that differ change nothing', async () => {
    // A real terminal: util-linux's `script` runs the command on a pseudo-terminal of its own.
    const onTerminal = async (args: string[], answers: string[]) => {
      const command = [process.execPath, CLI, 'users', ...args, ...files].join(' ');
      const child = spawn('script', ['-qec', command, '/dev/null'], { env: { PATH: process.env.PATH } });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      const code = new Promise<number | null>((r) => child.on('close', r));
      for (const [i, prompt] of ['Password: ', 'Again: '].entries()) {
        await waitFor(() => out.split(prompt).length > 1, 20_000, `the prompt ${prompt}`);
        child.stdin.write(`${answers[i]}\r`);
      }
      return { code: await code, out };
    };
    // Ctrl-C at the second prompt: nothing kept, and the exit status of an interrupted command.
    const interrupted = await onTerminal(['add', 'tty-user', '--role', 'admin'], ['first-password-12', '\u0003']);
    expect(interrupted.code).toBe(130);
    expect(interrupted.out).toContain('users: interrupted; nothing was changed');
    const differ = await onTerminal(['add', 'tty-user', '--role', 'admin'], ['first-password-12', 'other-password-34']);
    expect(differ.code).toBe(2);
    expect(differ.out).toContain('the two passwords differ; nothing was changed');
    expect(hashOf('tty-user')).toBeUndefined();
    const same = await onTerminal(['add', 'tty-user', '--role', 'admin'], ['typed-password-12', 'typed-password-12']);
    expect(same.code).toBe(0);
    expect(same.out).toContain('user tty-user added');
    expect(same.out).not.toContain('typed-password');
    expect(await verifyPassword('typed-password-12', hashOf('tty-user') ?? '')).toBe(true);
  }, 60_000);
});
