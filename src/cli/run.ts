import { Daemon } from '../daemon';
import { configFor, type GlobalOptions } from './context';
import { CliExit, EXIT } from './exit-codes';
import { SdNotify } from './sd-notify';

/**
 * The daemon in the foreground (systemd runs this). SIGTERM/SIGINT stop it cleanly; once the
 * journal is closed the process exits, whatever sockets peers still hold open.
 */
export async function run(opts: GlobalOptions): Promise<void> {
  const daemon = new Daemon({ config: configFor(opts) });
  const systemd = new SdNotify(process.env, (err) => daemon.logger.warn('systemd-notify failed', { err }));
  // Before start: the default action of these signals is to end the process. A stop asked for
  // during the start is carried out once the start is done.
  process.on('SIGHUP', () => void daemon.reload());
  process.on('SIGUSR2', () => void daemon.rescan('replay')); // `veesion-bridge replay` requeued steps
  const stopSignal = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  try {
    await daemon.start();
  } catch (err) {
    // E.g. the port is taken: stop what did start, so the process ends instead of lingering.
    daemon.logger.error('start failed; stopping', { err });
    await daemon.stop().catch(() => undefined);
    throw new CliExit(EXIT.failure, `veesion-bridge: start failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  await systemd.ready(`receiving on port ${daemon.port}`);
  systemd.startWatchdog(() => daemon.journal.writable());
  const signal = await stopSignal;
  daemon.logger.info('stopping', { signal });
  await systemd.stopping();
  await daemon.stop();
  // Let the logger flush its last line, then go: nothing left to lose.
  setTimeout(() => process.exit(EXIT.ok), 100).unref();
}
