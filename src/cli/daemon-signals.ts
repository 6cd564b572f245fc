import { EXIT } from './exit-codes';

/** Why the process is asked to stop, and the exit code that goes with it. */
export interface StopRequest {
  why: string;
  code: number;
}

/** What the operator commands' signals act on (the Daemon). */
export interface SignalledDaemon {
  reload(): unknown;
  rescanLater(reason: 'replay'): void;
  /** This host's journal file (none on a journal the daemons share). */
  local: { onLost(fn: () => void): void } | undefined;
}

/** Where the signals come from: the process, or an emitter in a test. */
export interface SignalSource {
  on(event: NodeJS.Signals, fn: () => void): unknown;
  once(event: NodeJS.Signals, fn: () => void): unknown;
}

export interface DaemonSignals {
  /** Resolves at SIGTERM or SIGINT (exit 0), or when the journal is deleted under the daemon (exit 1). */
  readonly stopRequest: Promise<StopRequest>;
  /** The daemon has started: carries out what arrived meanwhile; from now on each signal acts at once. */
  started(): void;
}

/**
 * The signals the operator commands send to whichever process holds the data dir's journal,
 * be it `run` or `demo`: SIGHUP (`reload`) re-reads the config, SIGUSR2 (`claim`, `resolve`,
 * `replay`) picks up what they wrote in the journal. Their default action is to end the
 * process, so they are handled from before the start; whatever arrives during the start is
 * carried out once it is done (a replay's rescan must not resume steps before the listener is
 * bound).
 */
export function handleDaemonSignals(daemon: SignalledDaemon, source: SignalSource = process): DaemonSignals {
  let started = false;
  const deferred = new Set<() => void>();
  const whenStarted = (act: () => void) => () => (started ? act() : deferred.add(act));
  source.on(
    'SIGHUP',
    whenStarted(() => void daemon.reload()),
  );
  source.on(
    'SIGUSR2',
    whenStarted(() => daemon.rescanLater('replay')),
  );
  const stopRequest = new Promise<StopRequest>((resolve) => {
    source.once('SIGTERM', () => resolve({ why: 'SIGTERM', code: EXIT.ok }));
    source.once('SIGINT', () => resolve({ why: 'SIGINT', code: EXIT.ok }));
    // A journal deleted under us: stop cleanly and exit 1, and systemd starts a daemon on a
    // new journal (alerts flow again) instead of answering 503 until someone notices.
    daemon.local?.onLost(() => resolve({ why: 'journal lost', code: EXIT.failure }));
  });
  return {
    stopRequest,
    started: () => {
      started = true;
      for (const act of deferred) act();
      deferred.clear();
    },
  };
}
