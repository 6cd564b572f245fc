import { CliExit, EXIT } from './exit-codes';
import { configFor, print, type GlobalOptions } from './context';
import { signalDaemon } from './daemon-signal';

/**
 * Checks the edited config, then asks the running daemon to re-read it (SIGHUP). An invalid
 * config is reported here (exit 78) and the daemon is not disturbed.
 */
export function reload(opts: GlobalOptions): void {
  const config = configFor(opts);
  const sent = signalDaemon(config.settings.BRIDGE_DATA_DIR, 'SIGHUP');
  if (!sent.sent) throw new CliExit(EXIT.failure, sent.reason);
  print(opts, `config is valid; daemon ${sent.pid} asked to reload (${config.stores.length} stores)`, {
    ok: true,
    pid: sent.pid,
    stores: config.stores.length,
  });
}
