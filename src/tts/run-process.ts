import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';

/** Speech engines run at this niceness: under load, the receiver (its acknowledgements) comes first. */
export const ENGINE_NICENESS = 10;
import { StepError } from '../pipeline/step-error';

/**
 * Runs a program with an argument array (never a shell), writes `stdin` to it and collects
 * stdout. Killed with SIGKILL past `timeoutMs`. `niceness`: its CPU priority (higher = lower).
 */
export function runProcess(command: string, args: string[], stdin: string, timeoutMs: number, niceness = 0): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    if (niceness && child.pid !== undefined) {
      try {
        setPriority(child.pid, niceness);
      } catch {
        // Gone already, or not allowed: it runs at normal priority.
      }
    }
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
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const hint = e.code === 'ENOENT' ? ` (is ${command} installed? run scripts/setup.sh)` : '';
      reject(new StepError('TTS_ENGINE_MISSING', 'internal', `cannot run ${command}: ${e.message}${hint}`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(Buffer.concat(out));
      reject(new StepError('TTS_ENGINE_FAILED', 'internal', `${command} exited with ${code ?? signal}: ${err.trim().slice(0, 300)}`));
    });
    child.stdin.end(stdin);
  });
}
