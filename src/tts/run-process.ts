import type { ChildProcessWithoutNullStreams as Child } from 'node:child_process';
import { StepError } from '../pipeline/step-error';
import { startProcess, type SpareProcesses } from './spare-processes';

/** Speech engines run at this niceness: under load, the receiver (its acknowledgements) comes first. */
export const ENGINE_NICENESS = 10;

/** What a program that exited 0 wrote, and its exit status. */
export interface ProcessOutput {
  stdout: Buffer;
  /** Its diagnostics, up to STDERR_MAX characters: an engine can exit 0 and still say it failed. */
  stderr: string;
  status: number;
}

/** Runs a program as runProcessOutput does, wherever it is started from (the process helper, or here). */
export interface ProcessRunner {
  /** `spare` (default true): take a process started ahead for this command line, and keep one after. */
  run(
    command: string,
    args: string[],
    stdin: string | Buffer,
    timeoutMs: number,
    niceness: number,
    spare?: boolean,
  ): Promise<ProcessOutput>;
}

/** Programs started by this process, from engines started ahead when `spares` is given. */
export function localRunner(spares?: SpareProcesses): ProcessRunner {
  return {
    run: (command, args, stdin, timeoutMs, niceness, spare = true) =>
      runProcessOutput(command, args, stdin, timeoutMs, niceness, spare ? spares : undefined),
  };
}

/** Enough for every warning Festival prints about a 500-character sentence, one line per word. */
const STDERR_MAX = 64_000;

/** runProcessOutput's stdout alone. */
export async function runProcess(
  command: string,
  args: string[],
  stdin: string | Buffer,
  timeoutMs: number,
  niceness = 0,
  spares?: SpareProcesses,
): Promise<Buffer> {
  return (await runProcessOutput(command, args, stdin, timeoutMs, niceness, spares)).stdout;
}

/**
 * Runs a program with an argument array (never a shell), writes `stdin` to it and collects
 * stdout and stderr. Killed with SIGKILL past `timeoutMs`. `niceness`: its CPU priority (higher = lower).
 * With `spares`, the program is one started ahead and already waiting for its input (the caller
 * refills them when its work is done); a spare that turns out dead (killed while it waited)
 * costs one fresh start, never a failed render.
 */
export async function runProcessOutput(
  command: string,
  args: string[],
  stdin: string | Buffer,
  timeoutMs: number,
  niceness = 0,
  spares?: SpareProcesses,
): Promise<ProcessOutput> {
  if (!spares) return run(startProcess(command, args, niceness), command, stdin, timeoutMs);
  const started = Date.now();
  const spare = spares.take(command, args, niceness);
  try {
    return await run(spare, command, stdin, timeoutMs);
  } catch (err) {
    // Only a spare that died while it waited (killed, no output) is replaced; an engine that
    // refused its input fails as it would have, and the retry keeps the one deadline.
    const diedWaiting =
      spare.signalCode !== null &&
      err instanceof StepError &&
      err.code === 'TTS_ENGINE_FAILED' &&
      !(err as SilentExit).output;
    const left = timeoutMs - (Date.now() - started);
    if (!diedWaiting || left <= 0) throw err;
    return await run(startProcess(command, args, niceness), command, stdin, left);
  }
}

/** An engine's failure, noting whether it had written anything (a dead spare has not). */
type SilentExit = StepError & { output?: number };

function run(child: Child, command: string, stdin: string | Buffer, timeoutMs: number): Promise<ProcessOutput> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new StepError('TTS_TIMEOUT', 'timeout', `${command} took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => {
      if (err.length < STDERR_MAX) err += c.toString();
    });
    child.stdin.on('error', () => undefined); // EPIPE if the program exits early; reported below
    const failed = (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const hint = e.code === 'ENOENT' ? ` (is ${command} installed? run scripts/setup.sh)` : '';
      reject(
        new StepError('TTS_ENGINE_MISSING', 'internal', `cannot run ${command}: ${e.message}${hint}`, { cause: e }),
      );
    };
    child.on('error', failed);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ stdout: Buffer.concat(out), stderr: err, status: code });
      const failure: SilentExit = new StepError(
        'TTS_ENGINE_FAILED',
        'internal',
        `${command} exited with ${code ?? signal}: ${err.trim().slice(0, 300)}`,
      );
      failure.output = out.length;
      reject(failure);
    });
    child.stdin.end(stdin);
  });
}
