import { DataDirLock } from '../journal/data-dir-lock';

export type SignalResult = { sent: true; pid: number } | { sent: false; reason: string };

/** Signals the daemon whose PID file is in `dataDir` (the owner of its journal). */
export function signalDaemon(dataDir: string, signal: NodeJS.Signals): SignalResult {
  // Only the lock's holder: a pid file a crash left behind may name any process by now.
  const pid = DataDirLock.holder(dataDir);
  if (pid === undefined)
    return { sent: false, reason: `no daemon is running on ${dataDir}; is veesion-bridge running?` };
  try {
    process.kill(pid, signal);
    return { sent: true, pid };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      sent: false,
      reason:
        code === 'ESRCH'
          ? `no process ${pid}; is veesion-bridge running?`
          : `cannot signal the daemon (pid ${pid}): ${code}`,
    };
  }
}

/** Whether a daemon runs on `dataDir`: the lock it holds on it while it runs, as signalDaemon finds it. */
export function daemonRunning(dataDir: string): boolean {
  return DataDirLock.holder(dataDir) !== undefined;
}
