import { Daemon } from '../daemon';
import { configFor, type GlobalOptions } from './context';
import { EXIT } from './exit-codes';
import { SdNotify } from './sd-notify';

/**
 * The daemon in the foreground (systemd runs this). SIGTERM/SIGINT stop it cleanly; once the
 * journal is closed the process exits, whatever sockets peers still hold open.
 */
export async function run(opts: GlobalOptions): Promise<void> {
  const daemon = new Daemon({ config: configFor(opts) });
  const systemd = new SdNotify(process.env, (err) => daemon.logger.warn('systemd-notify failed', { err }));
  await daemon.start();
  await systemd.ready(`receiving on port ${daemon.port}`);
  systemd.startWatchdog(() => daemon.journal.writable());
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      daemon.logger.info('stopping', { signal });
      void systemd.stopping().then(() => daemon.stop()).then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  // Let the logger flush its last line, then go: nothing left to lose.
  setTimeout(() => process.exit(EXIT.ok), 100).unref();
}
