import { spawn, type ChildProcessWithoutNullStreams as Child } from 'node:child_process';
import { setPriority } from 'node:os';

/**
 * Speech engines started ahead of need. A speech engine spends most of a short sentence starting
 * up: espeak-ng loads its phoneme tables and dictionary (about 20 ms of a 30 ms run), Festival
 * its lexicons and voice set-up (a cold run took 1.6-2.7 s here, one started ahead 0.24-0.33 s).
 * Both do that before they read their text from stdin, so a
 * process started in advance waits, loaded, for the next sentence: the alert that needs it pays
 * only the synthesis. After each use a replacement is started in the background (at the
 * engine's niceness, once the render is done), so the next alert in that voice finds one too,
 * however long after.
 *
 * One spare per command line (engine + voice), for the `max` most recently used ones: about
 * 7.5 MB each while waiting, espeak-ng or Festival (whose HTS model is loaded per sentence, after
 * the text). A spare left behind by a daemon that died reads end-of-file and exits by itself.
 */
export class SpareProcesses {
  private readonly spares = new Map<string, Child>();
  /** The command lines in use, least recently used first: refill() starts a spare for each. */
  private readonly wanted = new Map<string, { command: string; args: readonly string[]; niceness: number }>();
  private stopped = false;

  constructor(private readonly max = 4) {}

  /** A process for this command line: the waiting spare when there is one, else a new one. */
  take(command: string, args: readonly string[], niceness: number): Child {
    const key = JSON.stringify([command, args]);
    this.wanted.delete(key);
    this.wanted.set(key, { command, args, niceness });
    while (this.wanted.size > this.max) {
      const oldest = this.wanted.keys().next().value as string;
      this.wanted.delete(oldest);
      this.spares.get(oldest)?.kill('SIGKILL');
      this.spares.delete(oldest);
    }
    const spare = this.spares.get(key);
    this.spares.delete(key);
    if (spare && alive(spare)) {
      hold(spare, true);
      return spare;
    }
    spare?.kill('SIGKILL');
    return startProcess(command, args, niceness);
  }

  /**
   * Starts a spare for each command line in use that has none. Called once the work that took
   * one is done (the renderer: after its audio is written), so a starting engine never takes the
   * CPU from the sentence being converted.
   */
  refill(): void {
    if (this.stopped) return;
    for (const [key, { command, args, niceness }] of this.wanted) {
      if (this.spares.has(key)) continue;
      const child = startProcess(command, args, niceness);
      child.on('error', () => this.forget(key, child)); // not installed: the next take reports it
      child.on('exit', () => this.forget(key, child));
      child.stdin.on('error', () => undefined);
      hold(child, false);
      this.spares.set(key, child);
    }
  }

  /** How many spares are waiting (status, tests). */
  get size(): number {
    return this.spares.size;
  }

  stop(): void {
    this.stopped = true;
    for (const child of this.spares.values()) child.kill('SIGKILL');
    this.spares.clear();
  }

  private forget(key: string, child: Child): void {
    if (this.spares.get(key) === child) this.spares.delete(key);
  }
}

/** Starts a program (argument array, never a shell) with piped stdio at `niceness`. */
export function startProcess(command: string, args: readonly string[], niceness: number): Child {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  if (niceness && child.pid !== undefined) {
    try {
      setPriority(child.pid, niceness);
    } catch {
      // Gone already, or not allowed: it runs at normal priority.
    }
  }
  return child;
}

function alive(child: Child): boolean {
  return (
    child.pid !== undefined &&
    child.exitCode === null &&
    child.signalCode === null &&
    !child.killed &&
    child.stdin.writable
  );
}

/** A waiting spare must not keep the process alive (the CLI's `say` ends when its work does). */
function hold(child: Child, held: boolean): void {
  for (const handle of [child, child.stdin, child.stdout, child.stderr] as Array<{ ref(): void; unref(): void }>) {
    if (held) handle.ref();
    else handle.unref();
  }
}
