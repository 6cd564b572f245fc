import { Daemon } from '../daemon';
import { configFor, type GlobalOptions } from './context';
import { CliExit, EXIT } from './exit-codes';
import { SdNotify } from './sd-notify';
import { openSharedJournal } from '../journal/pg/open-shared';

/**
 * The daemon in the foreground (systemd runs this). SIGTERM/SIGINT stop it cleanly; once the
 * journal is closed the process exits, whatever sockets peers still hold open.
 */
export async function run(opts: GlobalOptions): Promise<void> {
  const config = configFor(opts);
  const shared = await openSharedJournal(config.settings).catch((err: unknown) => {
    throw new CliExit(EXIT.failure, `veesion-bridge: start failed: ${err instanceof Error ? err.message : String(err)}`);
  });
  const daemon = new Daemon({ config, ...(shared ? { shared } : {}) });
  const systemd = new SdNotify(process.env, (err) => daemon.logger.warn('systemd-notify failed', { err }));
  // Before start: the default action of these signals is to end the process. Whatever arrives
  // during the start is carried out once it is done (a replay's rescan must not resume steps
  // before the listener is bound).
  let started = false;
  const deferred = new Set<() => void>();
  const whenStarted = (act: () => void) => () => (started ? act() : deferred.add(act));
  const reload = () => void daemon.reload();
  const rescan = () => daemon.rescanLater('replay'); // `veesion-bridge replay` requeued steps
  process.on('SIGHUP', whenStarted(reload));
  process.on('SIGUSR2', whenStarted(rescan));
  const stopRequest = new Promise<{ why: string; code: number }>((resolve) => {
    process.once('SIGTERM', () => resolve({ why: 'SIGTERM', code: EXIT.ok }));
    process.once('SIGINT', () => resolve({ why: 'SIGINT', code: EXIT.ok }));
    // A journal deleted under us: stop cleanly and exit 1, and systemd starts a daemon on a
    // new journal (alerts flow again) instead of answering 503 until someone notices.
    daemon.journal.onLost(() => resolve({ why: 'journal lost', code: EXIT.failure }));
  });
  try {
    await daemon.start();
  } catch (err) {
    // E.g. the port is taken: stop what did start, so the process ends instead of lingering.
    daemon.logger.error('start failed; stopping', { err });
    await daemon.stop().catch(() => undefined);
    throw new CliExit(EXIT.failure, `veesion-bridge: start failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  started = true;
  for (const act of deferred) act();
  await systemd.ready(`receiving on port ${daemon.port}`);
  systemd.startWatchdog(() => daemon.shared?.readiness.ok() ?? daemon.journal.writable());
  const { why, code } = await stopRequest;
  daemon.logger.info('stopping', { reason: why });
  await systemd.stopping();
  await daemon.stop();
  if (code !== EXIT.ok) throw new CliExit(code, `veesion-bridge: stopped: ${why}`);
  // Let the logger flush its last line, then go: nothing left to lose.
  setTimeout(() => process.exit(code), 100).unref();
}
