import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon } from '../daemon';
import { configFor, type GlobalOptions } from './context';
import { EXIT } from './exit-codes';
import { SdNotify } from './sd-notify';

/** Where `run` records its PID, for `veesion-bridge reload` (inside BRIDGE_DATA_DIR). */
export const PID_FILE = 'veesion-bridge.pid';

/**
 * The daemon in the foreground (systemd runs this). SIGTERM/SIGINT stop it cleanly; once the
 * journal is closed the process exits, whatever sockets peers still hold open.
 */
export async function run(opts: GlobalOptions): Promise<void> {
  const daemon = new Daemon({ config: configFor(opts) });
  const systemd = new SdNotify(process.env, (err) => daemon.logger.warn('systemd-notify failed', { err }));
  // Before start: the default action of both signals is to end the process.
  process.on('SIGHUP', () => void daemon.reload());
  process.on('SIGUSR2', () => void daemon.rescan('replay')); // `veesion-bridge replay` requeued steps
  await daemon.start();
  const pidFile = join(daemon.dataDir, PID_FILE);
  writeFileSync(pidFile, `${process.pid}\n`);
  await systemd.ready(`receiving on port ${daemon.port}`);
  systemd.startWatchdog(() => daemon.journal.writable());
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      daemon.logger.info('stopping', { signal });
      rmSync(pidFile, { force: true });
      void systemd.stopping().then(() => daemon.stop()).then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  // Let the logger flush its last line, then go: nothing left to lose.
  setTimeout(() => process.exit(EXIT.ok), 100).unref();
}
