import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PID_FILE } from '../journal/data-dir-lock';

export type SignalResult = { sent: true; pid: number } | { sent: false; reason: string };

/** Signals the daemon whose PID file is in `dataDir` (the owner of its journal). */
export function signalDaemon(dataDir: string, signal: NodeJS.Signals): SignalResult {
  const pidFile = join(dataDir, PID_FILE);
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return { sent: false, reason: `no running daemon found (${pidFile} missing); is veesion-bridge running?` };
  }
  if (!Number.isInteger(pid) || pid <= 1) return { sent: false, reason: `${pidFile} does not hold a process id` };
  try {
    process.kill(pid, signal);
    return { sent: true, pid };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { sent: false, reason: code === 'ESRCH' ? `no process ${pid} (stale ${pidFile}); is veesion-bridge running?` : `cannot signal the daemon (pid ${pid}): ${code}` };
  }
}
