import { StepError } from '../pipeline/step-error';
import { stillImage } from '../chat/still-image';
import type { HelperAnswer, HelperFailure, HelperRequest } from './helper-protocol';
import { setPriority } from 'node:os';
import { ENGINE_NICENESS, runProcessOutput } from './run-process';
import { SpareProcesses } from './spare-processes';

/**
 * The daemon's process helper: a small Node process that starts the programs the alert path
 * needs (speech engines, ffmpeg for still images) and hands back what they wrote, their standard
 * error and exit status. Starting a program forks the process that starts it; forking the
 * daemon (a hundred megabytes and more) stalled its event loop 5-14 ms each time, forking this
 * one costs the daemon nothing. It keeps the engines started ahead, and ends with the daemon:
 * when its channel closes, it kills them and exits.
 */
const spares = new SpareProcesses();

// Everything it starts is background work beside the daemon's acknowledgements, the still
// images' ffmpeg as much as the engines (which ask for this niceness themselves): its children
// inherit it.
try {
  setPriority(ENGINE_NICENESS);
} catch {
  // Not allowed here: its programs run at normal priority.
}

function failure(err: unknown): HelperFailure {
  if (err instanceof StepError) {
    const output = (err as StepError & { output?: number }).output;
    return { code: err.code, kind: err.kind, message: err.message, ...(output !== undefined ? { output } : {}) };
  }
  return { code: 'HELPER_FAILED', kind: 'internal', message: err instanceof Error ? err.message : String(err) };
}

function answer(a: HelperAnswer): void {
  if (process.connected) process.send?.(a);
}

async function handle(req: HelperRequest): Promise<void> {
  if (req.type === 'refill') return spares.refill();
  try {
    if (req.type === 'run') {
      const out = await runProcessOutput(
        req.command,
        req.args,
        req.stdin,
        req.timeoutMs,
        req.niceness,
        req.spare ? spares : undefined,
      );
      answer({ id: req.id, ok: true, stdout: out.stdout, stderr: out.stderr, status: out.status });
    } else {
      answer({ id: req.id, ok: true, jpeg: await stillImage(req.video, req.opts) });
    }
  } catch (err) {
    answer({ id: req.id, ok: false, error: failure(err) });
  }
}

process.on('message', (req: HelperRequest) => void handle(req));
process.on('disconnect', () => {
  spares.stop();
  process.exit(0);
});
