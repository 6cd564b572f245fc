import { Daemon } from '../daemon';
import { configFor, type GlobalOptions } from './context';

/** The daemon in the foreground (systemd runs this). SIGTERM/SIGINT stop it cleanly. */
export async function run(opts: GlobalOptions): Promise<void> {
  const daemon = new Daemon({ config: configFor(opts) });
  await daemon.start();
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      daemon.logger.info('stopping', { signal });
      void daemon.stop().then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
