import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SdNotify } from '../../../src/cli/sd-notify';
import type { ProcessRunner } from '../../../src/tts/run-process';
import { StepError } from '../../../src/pipeline/step-error';
import { tempDir } from '../../helpers/paths';
import { waitFor } from '../../helpers/quiet-logger';

/**
 * The sd_notify messages go through `systemd-notify` (sd_notify(3): NOTIFY_SOCKET names the
 * socket; WATCHDOG_USEC the watchdog's period, to be pinged at half of it). A recording stand-in
 * first in PATH shows what is run; Debian's own systemd-notify shows a failure is reported.
 */
describe('SdNotify', () => {
  const dir = tempDir('vb-sdnotify-');
  const calls = join(dir, 'calls.txt');
  writeFileSync(join(dir, 'systemd-notify'), `#!/bin/sh\necho "$NOTIFY_SOCKET $*" >> ${calls}\n`);
  chmodSync(join(dir, 'systemd-notify'), 0o755);
  const env = (more: Record<string, string> = {}) => ({
    PATH: `${dir}:${process.env.PATH ?? ''}`,
    NOTIFY_SOCKET: '/run/systemd/notify',
    ...more,
  });
  const lines = () => (existsSync(calls) ? readFileSync(calls, 'utf8').split('\n').filter(Boolean) : []);
  beforeEach(() => writeFileSync(calls, ''));

  it('says READY with a status for this process, and times each start of systemd-notify', async () => {
    const starts: number[] = [];
    const notify = new SdNotify(env(), { onStart: (s) => starts.push(s) });
    await notify.ready('receiving on port 8080');
    expect(lines()).toEqual([`/run/systemd/notify --pid=${process.pid} READY=1 STATUS=receiving on port 8080`]);
    expect(starts).toHaveLength(1);
    expect(starts[0]).toBeGreaterThan(0);
  });

  it('runs nothing without NOTIFY_SOCKET (not started by systemd)', async () => {
    const starts: number[] = [];
    const notify = new SdNotify({ PATH: env().PATH }, { onStart: (s) => starts.push(s) });
    await notify.ready('x');
    await notify.stopping();
    notify.startWatchdog(() => true);
    await new Promise((r) => setTimeout(r, 100));
    expect(lines()).toEqual([]);
    expect(starts).toEqual([]);
    expect(notify.enabled).toBe(false);
  });

  it('pings the watchdog at half its period while healthy, and not once unhealthy or stopped', async () => {
    let healthy = true;
    const notify = new SdNotify(env({ WATCHDOG_USEC: '200000' }));
    notify.startWatchdog(() => healthy);
    try {
      await waitFor(() => lines().filter((l) => l.endsWith('WATCHDOG=1')).length >= 3, 10_000, 'three pings');
      healthy = false;
      await new Promise((r) => setTimeout(r, 1_000)); // a ping already started may still land
      const whileUnhealthy = lines().length;
      await new Promise((r) => setTimeout(r, 600)); // six periods
      expect(lines()).toHaveLength(whileUnhealthy);
      healthy = true;
      await notify.stopping();
      await new Promise((r) => setTimeout(r, 1_000));
      const afterStop = lines().length;
      await new Promise((r) => setTimeout(r, 600));
      expect(lines()).toHaveLength(afterStop);
      expect(lines().at(-1)).toContain('STOPPING=1');
    } finally {
      notify.stopWatchdog();
    }
  });

  it("reports systemd-notify's failure (Debian's own, to a socket nobody listens on) and goes on", async () => {
    const errors: Error[] = [];
    const notify = new SdNotify(
      { PATH: process.env.PATH ?? '', NOTIFY_SOCKET: join(dir, 'nobody.sock') },
      { onError: (err) => errors.push(err) },
    );
    await notify.ready('x');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).not.toMatch(/ENOENT/); // it ran, and failed
  });

  it('starts systemd-notify through the runner it is given (the process helper), and reports its failure', async () => {
    const ran: { command: string; args: string[]; spare: boolean | undefined }[] = [];
    let fail = false;
    const errors: Error[] = [];
    const runner: ProcessRunner = {
      run: async (command, args, _stdin, _timeoutMs, _niceness, spare) => {
        ran.push({ command, args, spare });
        if (fail) throw new Error('systemd-notify exited with status 1');
        return { stdout: Buffer.alloc(0), stderr: '', status: 0 };
      },
    };
    const notify = new SdNotify(env(), { runner: () => runner, onError: (e) => errors.push(e) });
    await notify.send('WATCHDOG=1');
    expect(ran).toEqual([{ command: 'systemd-notify', args: [`--pid=${process.pid}`, 'WATCHDOG=1'], spare: false }]);
    expect(lines()).toEqual([]); // not started here
    fail = true;
    await notify.send('WATCHDOG=1');
    expect(errors.map((e) => e.message)).toEqual(['systemd-notify exited with status 1']);
  });

  it('sends the notification itself when the helper fails: the watchdog never depends on it', async () => {
    const helperGone: ProcessRunner = {
      run: async () => {
        throw new StepError('HELPER_DIED', 'internal', 'the process helper is gone');
      },
    };
    const errors: Error[] = [];
    const notify = new SdNotify(env(), { runner: () => helperGone, onError: (e) => errors.push(e) });
    await notify.send('WATCHDOG=1');
    expect(lines()).toEqual([`/run/systemd/notify --pid=${process.pid} WATCHDOG=1`]);
    expect(errors).toEqual([]);
  });
});
