import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StepError } from '../pipeline/step-error';
import type { StillImageOptions } from '../chat/still-image';
import type { HelperAnswer, HelperRequest } from './helper-protocol';
import type { ProcessOutput, ProcessRunner } from './run-process';

/** Past its own deadline, how long an answer is waited for before the helper is taken for stuck. */
const BACKSTOP_MS = 5_000;
/** A helper that keeps dying is started again at most this often. */
const RESTART_MIN_MS = 1_000;

/** Where the helper's entry point is: beside this file once built; from the build under ts-jest. */
function helperEntry(): string {
  const here = join(__dirname, 'helper-main.js');
  return existsSync(here) ? here : join(__dirname, '..', '..', 'dist', 'src', 'tts', 'helper-main.js');
}

type Waiter = { resolve: (a: HelperAnswer) => void; reject: (e: StepError) => void; timer: NodeJS.Timeout };

/**
 * The daemon's side of its process helper (helper-main.ts): speech engines and ffmpeg run there,
 * so the daemon itself never forks on the alert path. Started once, when first needed (the
 * speech engine's warm-up at start); a helper that dies is started again at once (at most once
 * a second), and whatever it was running fails with a retryable error.
 */
export class ProcessHelper implements ProcessRunner {
  private child: ChildProcess | undefined;
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 1;
  private lastStart = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: { entry?: string; onRestart?: (reason: string) => void } = {}) {}

  /** The helper's process id (status, tests); starts it if it is not running. */
  get pid(): number | undefined {
    return this.ensure().pid;
  }

  async run(
    command: string,
    args: string[],
    stdin: string | Buffer,
    timeoutMs: number,
    niceness: number,
    spare = true,
  ): Promise<ProcessOutput> {
    const a = await this.askAgain(
      (id) => ({
        type: 'run',
        id,
        command,
        args,
        stdin: typeof stdin === 'string' ? Buffer.from(stdin) : stdin,
        timeoutMs,
        niceness,
        spare,
      }),
      timeoutMs,
      command,
    );
    if (!('stdout' in a))
      throw new StepError('HELPER_FAILED', 'internal', `the process helper answered ${command} oddly`);
    return { stdout: bytes(a.stdout), stderr: a.stderr, status: a.status };
  }

  /** stillImage() of chat/still-image.ts, run by the helper (its ffmpeg is the helper's child). */
  async still(video: Buffer, opts: StillImageOptions): Promise<Buffer> {
    const a = await this.askAgain((id) => ({ type: 'still', id, video, opts }), opts.timeoutMs, 'ffmpeg (still image)');
    if (!('jpeg' in a)) throw new StepError('HELPER_FAILED', 'internal', 'the process helper answered a still oddly');
    return bytes(a.jpeg);
  }

  /** Starts a spare engine for each command line in use (once a render is done). */
  refill(): void {
    if (this.child?.connected) this.child.send({ type: 'refill' } satisfies HelperRequest);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    this.child = undefined;
    this.fail(new StepError('HELPER_STOPPED', 'internal', 'the process helper was stopped'));
    // Its channel closing is its signal to kill its engines and exit.
    if (child?.connected) child.disconnect();
  }

  /**
   * ask() once more on a helper started again when the one asked died meanwhile (killed, out of
   * memory): what it runs is safe to run twice, and a render lost to it would delay a theft alert.
   */
  private async askAgain(
    request: (id: number) => HelperRequest,
    timeoutMs: number,
    what: string,
  ): Promise<HelperAnswer> {
    try {
      return await this.ask(request, timeoutMs, what);
    } catch (err) {
      if (!(err instanceof StepError && err.code === 'HELPER_DIED') || this.stopped) throw err;
      return this.ask(request, timeoutMs, what);
    }
  }

  private ask(request: (id: number) => HelperRequest, timeoutMs: number, what: string): Promise<HelperAnswer> {
    if (this.stopped)
      return Promise.reject(new StepError('HELPER_STOPPED', 'internal', 'the process helper is stopped'));
    const child = this.ensure();
    const id = this.nextId++;
    return new Promise<HelperAnswer>((resolve, reject) => {
      // The helper kills what overruns its deadline and says so; this is for a helper that cannot.
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(
          new StepError(
            'TTS_TIMEOUT',
            'timeout',
            `${what} took longer than ${timeoutMs} ms (no answer from the process helper)`,
          ),
        );
        this.gone(child, `no answer for ${what} within ${timeoutMs + BACKSTOP_MS} ms`);
      }, timeoutMs + BACKSTOP_MS);
      this.waiting.set(id, { resolve, reject, timer });
      child.send(request(id), (err) => {
        if (!err) return;
        this.settle(id, new StepError('HELPER_DIED', 'internal', `the process helper is gone: ${err.message}`));
        this.gone(child, `a request could not be sent: ${err.message}`);
      });
    }).then((a) => {
      if (a.ok) return a;
      const err = new StepError(a.error.code, a.error.kind, a.error.message);
      if (a.error.output !== undefined) Object.assign(err, { output: a.error.output });
      throw err;
    });
  }

  private ensure(): ChildProcess {
    if (this.child?.connected) return this.child;
    if (this.child) this.gone(this.child, 'its channel is closed');
    this.lastStart = Date.now();
    const child = fork(this.opts.entry ?? helperEntry(), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      // Small on purpose: the point of the helper is that forking it is cheap.
      execArgv: ['--max-old-space-size=64', '--max-semi-space-size=1'],
    });
    child.on('message', (a: HelperAnswer) => this.settle(a.id, a));
    child.on('exit', (code, signal) => this.gone(child, `it exited (${signal ?? code})`));
    // A helper that could not start, or whose channel closed, may never report an exit.
    child.on('error', (err) => this.gone(child, `it failed: ${err.message}`));
    child.on('disconnect', () => this.gone(child, 'its channel closed'));
    // It never keeps the daemon (or a command) alive by itself: a request waiting holds a timer.
    child.unref();
    child.channel?.unref();
    this.child = child;
    return child;
  }

  /**
   * `child` is of no more use: killed (a stuck one), what waits on it failed (to be run once more
   * on the next), and a new helper started, at once or (one that keeps dying) a second after the
   * last one started. Nothing for a child already replaced.
   */
  private gone(child: ChildProcess | undefined, reason: string): void {
    if (!child || this.child !== child) return;
    this.child = undefined;
    child.kill('SIGKILL');
    this.fail(new StepError('HELPER_DIED', 'internal', `the process helper was lost (${reason}); retried`));
    if (this.stopped) return;
    this.opts.onRestart?.(reason);
    if (this.restartTimer) return;
    const wait = Math.max(0, this.lastStart + RESTART_MIN_MS - Date.now());
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopped && !this.child) this.ensure();
    }, wait);
    this.restartTimer.unref();
  }

  private settle(id: number, outcome: HelperAnswer | StepError): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    clearTimeout(w.timer);
    if (outcome instanceof StepError) w.reject(outcome);
    else w.resolve(outcome);
  }

  private fail(err: StepError): void {
    for (const id of [...this.waiting.keys()]) this.settle(id, err);
  }
}

/** A buffer as it came over the channel (a Uint8Array view at worst). */
function bytes(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}
