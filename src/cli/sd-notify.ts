import { execFile } from 'node:child_process';

/**
 * The sd_notify protocol (https://www.freedesktop.org/software/systemd/man/sd_notify.html)
 * through Debian's `systemd-notify`: Node cannot send unix datagrams itself. systemd-notify
 * waits on a barrier by default, so systemd can attribute the message to our unit
 * (NotifyAccess=all in deploy/veesion-bridge.service). Does nothing without NOTIFY_SOCKET.
 */
export class SdNotify {
  private watchdog: NodeJS.Timeout | undefined;

  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {}

  get enabled(): boolean {
    return Boolean(this.env.NOTIFY_SOCKET);
  }

  send(...assignments: string[]): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    return new Promise((resolve) => {
      execFile('systemd-notify', [`--pid=${process.pid}`, ...assignments], { env: this.env, timeout: 5000 }, (err) => {
        if (err) this.onError(err);
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
