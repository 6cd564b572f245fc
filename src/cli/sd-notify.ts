import { execFile } from 'node:child_process';
import type { ProcessRunner } from '../tts/run-process';
import { StepError } from '../pipeline/step-error';

/** What SdNotify reports and where it starts systemd-notify. */
export interface SdNotifyOptions {
  onError?: (err: Error) => void;
  /** Told how long each start of systemd-notify held the event loop. */
  onStart?: (seconds: number) => void;
  /**
   * Starts systemd-notify elsewhere (the daemon's process helper): forking the daemon itself held
   * its event loop 4-5 ms a time, up to 20 ms (`npm run bench`). Without it, started here.
   */
  runner?: () => ProcessRunner;
}

/**
 * The sd_notify protocol (https://www.freedesktop.org/software/systemd/man/sd_notify.html)
 * through Debian's `systemd-notify`: Node cannot send unix datagrams itself. `--pid` names the
 * daemon, whoever starts it (NotifyAccess=all in deploy/veesion-bridge.service: any process of
 * the unit may speak for it). Does nothing without NOTIFY_SOCKET.
 */
export class SdNotify {
  private watchdog: NodeJS.Timeout | undefined;

  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly opts: SdNotifyOptions = {},
  ) {}

  get enabled(): boolean {
    return Boolean(this.env.NOTIFY_SOCKET);
  }

  send(...assignments: string[]): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    const args = [`--pid=${process.pid}`, ...assignments];
    const failed = (err: unknown) => this.opts.onError?.(err instanceof Error ? err : new Error(String(err)));
    const started = performance.now();
    const done = this.opts.runner
      ? this.opts
          .runner()
          .run('systemd-notify', args, '', 5000, 0, false)
          .then(
            () => undefined,
            // The helper itself failing must not cost the watchdog (systemd would kill a working
            // daemon): that notification is sent from here. systemd-notify failing is reported.
            (err: unknown) =>
              err instanceof StepError && err.code.startsWith('HELPER_') ? this.direct(args) : failed(err),
          )
      : this.direct(args);
    this.opts.onStart?.((performance.now() - started) / 1000);
    return done;
  }

  /** systemd-notify started by this process. */
  private direct(args: string[]): Promise<void> {
    return new Promise((resolve) => {
      execFile('systemd-notify', args, { env: this.env, timeout: 5000 }, (err) => {
        if (err) this.opts.onError?.(err);
        resolve();
      });
    });
  }

  ready(status: string): Promise<void> {
    return this.send('READY=1', `STATUS=${status}`);
  }

  stopping(): Promise<void> {
    this.stopWatchdog();
    return this.send('STOPPING=1', 'STATUS=stopping');
  }

  /** Pings at half of WATCHDOG_USEC while `healthy()` holds; a stuck daemon stops pinging. */
  startWatchdog(healthy: () => boolean): void {
    const usec = Number(this.env.WATCHDOG_USEC ?? 0);
    if (!this.enabled || !(usec > 0)) return;
    this.watchdog = setInterval(
      () => {
        if (healthy()) void this.send('WATCHDOG=1');
      },
      Math.max(100, usec / 2000),
    );
    this.watchdog.unref();
  }

  stopWatchdog(): void {
    clearInterval(this.watchdog);
  }
}
