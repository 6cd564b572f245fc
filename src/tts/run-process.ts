import type { ChildProcessWithoutNullStreams as Child } from 'node:child_process';
import { StepError } from '../pipeline/step-error';
import { startProcess, type SpareProcesses } from './spare-processes';

/** Speech engines run at this niceness: under load, the receiver (its acknowledgements) comes first. */
export const ENGINE_NICENESS = 10;

/**
 * Runs a program with an argument array (never a shell), writes `stdin` to it and collects
 * stdout. Killed with SIGKILL past `timeoutMs`. `niceness`: its CPU priority (higher = lower).
 * With `spares`, the program is one started ahead and already waiting for its input (the caller
 * refills them when its work is done); a spare that turns out dead (killed while it waited)
 * costs one fresh start, never a failed render.
 */
export async function runProcess(command: string, args: string[], stdin: string, timeoutMs: number, niceness = 0, spares?: SpareProcesses): Promise<Buffer> {
  if (!spares) return run(startProcess(command, args, niceness), command, stdin, timeoutMs);
  const started = Date.now();
  const spare = spares.take(command, args, niceness);
  try {
    return await run(spare, command, stdin, timeoutMs);
  } catch (err) {
    // Only a spare that died while it waited (killed, no output) is replaced; an engine that
    // refused its input fails as it would have, and the retry keeps the one deadline.
    const diedWaiting = spare.signalCode !== null && err instanceof StepError && err.code === 'TTS_ENGINE_FAILED' && !(err as SilentExit).output;
    const left = timeoutMs - (Date.now() - started);
    if (!diedWaiting || left <= 0) throw err;
    return await run(startProcess(command, args, niceness), command, stdin, left);
  }
}

/** An engine's failure, noting whether it had written anything (a dead spare has not). */
type SilentExit = StepError & { output?: number };

function run(child: Child, command: string, stdin: string, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new StepError('TTS_TIMEOUT', 'timeout', `${command} took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => {
      if (err.length < 2000) err += c.toString();
    });
    child.stdin.on('error', () => undefined); // EPIPE if the program exits early; reported below
    const failed = (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const hint = e.code === 'ENOENT' ? ` (is ${command} installed? run scripts/setup.sh)` : '';
      reject(new StepError('TTS_ENGINE_MISSING', 'internal', `cannot run ${command}: ${e.message}${hint}`, { cause: e }));
    };
    child.on('error', failed);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(Buffer.concat(out));
      const failure: SilentExit = new StepError('TTS_ENGINE_FAILED', 'internal', `${command} exited with ${code ?? signal}: ${err.trim().slice(0, 300)}`);
      failure.output = out.length;
      reject(failure);
    });
    child.stdin.end(stdin);
  });
}
