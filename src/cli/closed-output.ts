import { EXIT } from './exit-codes';

/**
 * A reader that stops early (`veesion-bridge --help | head -3`) closes the pipe: the next write
 * to it fails with EPIPE, which, unhandled, ends the process with exit 1 and a stack trace.
 *
 * A command's output then has nowhere to go and nobody waits for the rest: it ends at once,
 * with 0. A closed stderr alone ends nothing: the command's messages are lost, its exit code
 * still says how it went. The daemon (`run`) keeps running on either: its output is its log,
 * and announcing the alerts matters more than the log lines no one reads; exiting 0 there would
 * also keep systemd from restarting it.
 */
let keepRunning = false;

/** Installs the handling once, for the process's stdout and stderr. */
export function endQuietlyWhenOutputCloses(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    if (!keepRunning) process.exit(EXIT.ok);
  });
  process.stderr.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

/** For the daemon: a closed stdout or stderr loses its lines but stops nothing. */
export function keepRunningWhenOutputCloses(): void {
  keepRunning = true;
}
