import { appendFileSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/** What the next call files end as; `ignore` leaves them unread (pbx_spool not running). */
export type SpoolOutcome = 'Completed' | 'Expired' | 'Failed' | 'ignore';

export interface SpooledCall {
  name: string;
  /** The call file's `key: value` lines, in order. */
  fields: [string, string][];
  at: number;
}

/**
 * Asterisk's outgoing call spool (pbx_spool) on a directory: picks up call files in
 * `outgoing/`, deletes invalid ones (no Channel, or neither Application nor Context), and with
 * `Archive: yes` moves each to `outgoing_done/` and then appends its `Status:` line, in that
 * order, as Asterisk does. Can fail calls or ignore the spool on demand.
 */
export class SpoolSimulator {
  readonly calls: SpooledCall[] = [];
  /** Files deleted as invalid, by name. */
  readonly rejected: string[] = [];
  /** Applies to every call file once the queued outcomes are used up. */
  defaultOutcome: SpoolOutcome = 'Completed';
  private readonly outcomes: SpoolOutcome[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly seen = new Set<string>();

  constructor(
    readonly spoolDir: string,
    private readonly opts: { answerDelayMs?: number; scanMs?: number } = {},
  ) {}

  get outgoing(): string {
    return join(this.spoolDir, 'outgoing');
  }

  start(): this {
    mkdirSync(this.outgoing, { recursive: true });
    mkdirSync(join(this.spoolDir, 'outgoing_done'), { recursive: true });
    this.timer = setInterval(() => this.scan(), this.opts.scanMs ?? 20);
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  failNext(count: number, outcome: SpoolOutcome): void {
    for (let i = 0; i < count; i++) this.outcomes.push(outcome);
  }

  private scan(): void {
    for (const name of readdirSync(this.outgoing)) {
      if (this.seen.has(name)) continue;
      const file = join(this.outgoing, name);
      if (!statSync(file, { throwIfNoEntry: false })?.isFile()) continue;
      const outcome = this.outcomes[0] ?? this.defaultOutcome;
      if (outcome === 'ignore') continue;
      this.outcomes.shift();
      this.seen.add(name);
      this.place(name, file, outcome);
    }
  }

  private place(name: string, file: string, status: Exclude<SpoolOutcome, 'ignore'>): void {
    const text = readFileSync(file, 'utf8');
    const fields = text
      .split('\n')
      .filter((l) => l.includes(':'))
      .map((l) => {
        const i = l.indexOf(':');
        return [l.slice(0, i).trim(), l.slice(i + 1).trim()] as [string, string];
      });
    const has = (k: string) => fields.some(([key]) => key.toLowerCase() === k);
    if (!has('channel') || !(has('application') || has('context'))) {
      this.rejected.push(name);
      return void unlinkSync(file); // "Invalid file contents in %s, deleting"
    }
    this.calls.push({ name, fields, at: Date.now() });
    const archive = fields.some(([k, v]) => k.toLowerCase() === 'archive' && /^(yes|true|1)$/i.test(v));
    setTimeout(() => {
      if (!archive) return void unlinkSync(file);
      const done = join(this.spoolDir, 'outgoing_done', name);
      renameSync(file, done);
      appendFileSync(done, `Status: ${status}\n`);
    }, this.opts.answerDelayMs ?? 5);
  }
}
