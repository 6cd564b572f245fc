import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliExit, EXIT } from './exit-codes';
import { configFor, print, type GlobalOptions } from './context';
import { PID_FILE } from './run';

/**
 * Checks the edited config, then asks the running daemon to re-read it (SIGHUP). An invalid
 * config is reported here (exit 78) and the daemon is not disturbed.
 */
export function reload(opts: GlobalOptions): void {
  const config = configFor(opts);
  const pidFile = join(config.settings.BRIDGE_DATA_DIR, PID_FILE);
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    throw new CliExit(EXIT.failure, `no running daemon found (${pidFile} missing); is veesion-bridge running?`);
  }
  try {
    process.kill(pid, 'SIGHUP');
  } catch (err) {
    throw new CliExit(EXIT.failure, `cannot signal the daemon (pid ${pid}): ${(err as NodeJS.ErrnoException).code}`);
  }
  print(opts, `config is valid; daemon ${pid} asked to reload (${config.stores.length} stores)`, { ok: true, pid, stores: config.stores.length });
}
