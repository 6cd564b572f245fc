import { Daemon } from '../daemon';
import { configFor, type GlobalOptions } from './context';
import { CliExit, EXIT } from './exit-codes';
import { SdNotify } from './sd-notify';
import { openDaemonJournal } from '../journal/open-journal';
import { handleDaemonSignals } from './daemon-signals';
import { keepRunningWhenOutputCloses } from './closed-output';

/**
 * The daemon in the foreground (systemd runs this). SIGTERM/SIGINT stop it cleanly; once the
 * journal is closed the process exits, whatever sockets peers still hold open. SIGHUP and
 * SIGUSR2 come from the operator commands (see handleDaemonSignals).
 */
export async function run(opts: GlobalOptions): Promise<void> {
  keepRunningWhenOutputCloses();
  const config = configFor(opts);
  const shared = await openDaemonJournal(config.settings).catch((err: unknown) => {
    throw new CliExit(
      EXIT.failure,
      `veesion-bridge: start failed: ${err instanceof Error ? err.message : String(err)}`,
    );
  });
  const daemon = new Daemon({ config, ...(shared ? { shared } : {}) });
  const systemd = new SdNotify(process.env, {
    onError: (err) => daemon.logger.warn('systemd-notify failed', { err }),
    onStart: (seconds) => daemon.metrics.systemdNotifyStart.observe(seconds),
    runner: () => daemon.processes,
  });
  const signals = handleDaemonSignals(daemon);
  try {
    await daemon.start();
  } catch (err) {
    // E.g. the port is taken: stop what did start, so the process ends instead of lingering.
    daemon.logger.error('start failed; stopping', { err });
    await daemon.stop().catch(() => undefined);
    throw new CliExit(
      EXIT.failure,
      `veesion-bridge: start failed: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  signals.started();
  await systemd.ready(`receiving on port ${daemon.port}`);
  systemd.startWatchdog(() => daemon.shared?.readiness.ok() ?? daemon.journal.writable());
  const { why, code } = await signals.stopRequest;
  daemon.logger.info('stopping', { reason: why });
  await systemd.stopping();
  await daemon.stop();
  if (code !== EXIT.ok) throw new CliExit(code, `veesion-bridge: stopped: ${why}`);
  // Let the logger flush its last line, then go: nothing left to lose.
  setTimeout(() => process.exit(code), 100).unref();
}
