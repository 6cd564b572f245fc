import { execFile } from 'node:child_process';
import type { Logger } from '../log/logger';
import { acceptedIn } from './xhop-state';

export interface XhopStateReaderOptions {
  /** BRIDGE_XHOP_STATE_COMMAND, e.g. `data_engine_cli xhop::state`: a program and its arguments (no shell). */
  command: string;
  logger: Logger;
  now: () => number;
  /** An accepted notification: its alerts are claimed `via: headset` (by: the associate, when named). */
  onAccepted: (alertIds: readonly string[], by: string | undefined) => Promise<unknown>;
  everyMs?: number;
  timeoutMs?: number;
}

interface Waiting {
  alertIds: readonly string[];
  /** Past this, nobody will accept it any more (its confirmation timeout): no longer polled for. */
  until: number;
}

/**
 * Learns who accepted a Smart Notification on a PBX host where x-hoppers' own state command
 * exists (its output is undocumented). Polled once a second, only while notifications wait for
 * an accept; a run that hangs is killed, a failing or unreadable one is logged once and changes
 * nothing else. Off unless BRIDGE_XHOP_STATE_COMMAND is set.
 */
export class XhopStateReader {
  private readonly waiting = new Map<string, Waiting>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private readonly complained = new Set<string>();
  private readonly argv: string[];

  constructor(private readonly opts: XhopStateReaderOptions) {
    this.argv = opts.command.trim().split(/\s+/);
  }

  /** A notification handed to the PBX: watched for its accept until `until`. */
  track(requestId: string, alertIds: readonly string[], until: number): void {
    if (this.stopped) return;
    this.waiting.set(requestId, { alertIds, until });
    this.timer ??= setInterval(() => void this.poll(), this.opts.everyMs ?? 1_000).unref();
  }

  get watching(): number {
    return this.waiting.size;
  }

  stop(): void {
    this.stopped = true;
    this.waiting.clear();
    this.idle();
  }

  /** One reading of the state (the timer's; a test may call it). */
  async poll(): Promise<void> {
    const now = this.opts.now();
    for (const [id, w] of this.waiting) if (w.until <= now) this.waiting.delete(id);
    if (this.waiting.size === 0) return this.idle();
    if (this.running) return;
    this.running = true;
    try {
      const output = await this.run();
      if (output === undefined || this.stopped) return;
      for (const { requestId, by } of acceptedIn(output, new Set(this.waiting.keys()))) {
        const w = this.waiting.get(requestId);
        if (!w) continue;
        this.waiting.delete(requestId);
        this.opts.logger.info('smart notification accepted on a headset', { requestId, by: by ?? null });
        await this.opts
          .onAccepted(w.alertIds, by)
          .catch((err: unknown) => this.opts.logger.warn('could not record a headset accept', { requestId, err }));
      }
    } finally {
      this.running = false;
    }
  }

  private idle(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private run(): Promise<string | undefined> {
    const [file, ...args] = this.argv;
    return new Promise((resolve) => {
      if (!file) return resolve(undefined);
      execFile(
        file,
        args,
        { timeout: this.opts.timeoutMs ?? 2_000, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024, encoding: 'utf8' },
        (err, stdout) => {
          if (!err) return resolve(stdout);
          // Once per kind of failure: a missing command would otherwise log every second.
          const why = err.killed
            ? 'timed out'
            : (err as NodeJS.ErrnoException).code === 'ENOENT'
              ? 'not found'
              : 'failed';
          if (!this.complained.has(why)) {
            this.complained.add(why);
            this.opts.logger.warn('the x-hoppers state command could not be read; headset accepts are not seen', {
              command: file,
              why,
              error: err.message.slice(0, 200),
            });
          }
          resolve(undefined);
        },
      );
    });
  }
}
