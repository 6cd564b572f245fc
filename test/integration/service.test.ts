import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimWorld } from '../../src/sim/sim-world';
import { REPO, tempDir } from '../helpers/paths';
import { CLI } from '../helpers/cli';
import { waitFor } from '../helpers/quiet-logger';
import { journalSteps } from '../helpers/journal-rows';

/** A notify socket we own, as systemd would: prints each datagram, closes barrier fds. */
const LISTENER = `
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("listening", flush=True)
while True:
    msg, fds, _flags, _addr = socket.recv_fds(s, 4096, 8)
    for fd in fds:
        os.close(fd)
    print(msg.decode().replace("\\n", " "), flush=True)
`;

function startDaemon(world: SimWorld, env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ['--', CLI, 'run', '--env-file', world.envFile, '--stores-file', world.storesFile], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
  );

describe('running as a systemd service', () => {
  it('systemd-analyze verify accepts deploy/veesion-bridge.service', () => {
    const dir = tempDir();
    const unit = readFileSync(join(REPO, 'deploy/veesion-bridge.service'), 'utf8').replace(
      'ExecStart=/usr/bin/veesion-bridge',
      `ExecStart=${join(REPO, 'bin/veesion-bridge')}`,
    );
    writeFileSync(join(dir, 'veesion-bridge.service'), unit);
    const r = spawnSync('systemd-analyze', ['verify', join(dir, 'veesion-bridge.service')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(unit).toMatch(/^Type=notify$/m);
    // Quoted: systemd splits an unquoted Environment= value on spaces (and drops `--expose-gc`,
    // which lets the daemon give a storm's memory back).
    expect(unit).toMatch(/^Environment="NODE_OPTIONS=[^"]*--expose-gc[^"]*"$/m);
    expect(unit).toMatch(/^RestartPreventExitStatus=78$/m);
    // Asterisk reaches the audio cache through the data directory and reads the files in it.
    expect(unit).toMatch(/^StateDirectoryMode=0751$/m);
    expect(unit).toMatch(/^UMask=0027$/m);
  });

  it('systemd-analyze verify accepts the unit with the call-file spool drop-in', () => {
    const dir = tempDir();
    const unit = readFileSync(join(REPO, 'deploy/veesion-bridge.service'), 'utf8').replace(
      'ExecStart=/usr/bin/veesion-bridge',
      `ExecStart=${join(REPO, 'bin/veesion-bridge')}`,
    );
    writeFileSync(join(dir, 'veesion-bridge.service'), unit);
    // verify reads drop-ins from beside the unit, as systemd does from /etc/systemd/system.
    const dropIn = readFileSync(join(REPO, 'deploy/systemd/callfile-spool.conf'), 'utf8');
    mkdirSync(join(dir, 'veesion-bridge.service.d'));
    writeFileSync(join(dir, 'veesion-bridge.service.d/callfile-spool.conf'), dropIn);
    const r = spawnSync('systemd-analyze', ['verify', join(dir, 'veesion-bridge.service')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(dropIn).toMatch(/^ReadWritePaths=-\/var\/spool\/asterisk$/m);
  });

  it('speaks sd_notify: READY once receiving, WATCHDOG while healthy, STOPPING on SIGTERM', async () => {
    const world = await new SimWorld({ dir: tempDir() }).start();
    const socketPath = join(tempDir(), 'notify.sock');
    const listener = spawn('python3', ['-c', LISTENER, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    // Each datagram as its assignments, e.g. ['MAINPID=42', 'READY=1', 'STATUS=...'].
    const messages: string[][] = [];
    let listening = false;
    listener.stdout?.on('data', (c: Buffer) => {
      for (const line of c.toString().trim().split('\n')) {
        if (line === 'listening') listening = true;
        else messages.push(line.split(' '));
      }
    });
    const index = (assignment: string) => messages.findIndex((m) => m.includes(assignment));
    let daemon: ChildProcess | undefined;
    try {
      await waitFor(() => listening, 5000, 'notify listener');
      daemon = startDaemon(world, { NOTIFY_SOCKET: socketPath, WATCHDOG_USEC: '400000' });
      await waitFor(() => index('READY=1') >= 0, 15_000, 'READY=1');
      expect(messages[index('READY=1')]).toEqual([
        `MAINPID=${daemon.pid}`,
        'READY=1',
        'STATUS=receiving',
        'on',
        'port',
        String(world.httpPort),
      ]);
      await waitFor(() => messages.filter((m) => m.includes('WATCHDOG=1')).length >= 2, 5000, 'two WATCHDOG=1');
      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);
      expect(index('STOPPING=1')).toBeGreaterThan(index('READY=1'));
    } finally {
      daemon?.kill('SIGKILL');
      listener.kill();
      await world.stop();
    }
  }, 40_000);

  it('SIGTERM while an alert is mid-flight: after a restart every step finished, each call placed once', async () => {
    const world = await new SimWorld({ dir: tempDir() }).start();
    world.ami.originateDelayMs = 1500; // the PBX takes its time answering
    const alerts = ['mid-1', 'mid-2'];
    let daemon: ChildProcess | undefined;
    try {
      daemon = startDaemon(world);
      await waitFor(() => world.klaxon.hooks.size > 0, 15_000, 'daemon up');
      for (const id of alerts) {
        const res = await fetch(`http://127.0.0.1:${world.httpPort}/api/v1/veesion?token=${world.hookToken}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ alert_uuid: id, location: 'test-store-wildix' }),
        });
        expect(res.status).toBe(200);
      }
      await waitFor(() => world.ami.originates.length === 1, 10_000, 'first Originate in flight');
      daemon.kill('SIGTERM'); // mid-flight: mid-1 awaits its OriginateResponse, mid-2 waits for the conference
      expect(await exited(daemon)).toBe(0);
      world.ami.originateDelayMs = 2;
      daemon = startDaemon(world);
      await waitFor(() => world.ami.originates.length === 2, 20_000, 'second Originate after restart');
      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);
      const journal = join(world.envFile, '../data/journal.sqlite');
      for (const id of alerts) {
        expect(journalSteps(journal, id).map((s) => [s.step, s.state])).toEqual([
          ['announce', 'succeeded'],
          ['chat', 'succeeded'],
        ]);
        expect(world.ami.originates.filter((o) => o.variables.includes(`ALERT_ID=${id}`))).toHaveLength(1);
      }
    } finally {
      daemon?.kill('SIGKILL');
      await world.stop();
    }
  }, 60_000);
});
