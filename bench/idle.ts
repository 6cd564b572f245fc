import { readdirSync, readFileSync } from 'node:fs';
import { cpuSeconds, rssMb } from './daemon-process';

/** Context switches of one thread so far: each is a time it slept and was woken (or was preempted). */
function switches(pid: number, tid: string): number {
  try {
    const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    const voluntary = Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const forced = Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return voluntary + forced;
  } catch {
    return 0; // the thread ended meanwhile
  }
}

function allSwitches(pid: number): number {
  return readdirSync(`/proc/${pid}/task`).reduce((sum, tid) => sum + switches(pid, tid), 0);
}

export interface IdleFigures {
  seconds: number;
  /** Share of one core, in percent. */
  cpuPercent: number;
  /** The main thread (the event loop) woken per second. */
  mainWakeups: number;
  /** Every thread of the daemon (libuv's pool, V8's, the checkpointer's worker) woken per second. */
  allWakeups: number;
  /** Its RSS at the end, in MB. */
  rss: number;
}

/**
 * The daemon doing nothing for `seconds` beside healthy simulators, once `settleSeconds` have
 * passed since it was ready: its CPU (user + system, from
 * /proc) and how often its threads wake. The main thread's context switches count its returns
 * from epoll: a timer that fires every 10 ms shows as about 100 a second.
 */
export async function measureIdle(pid: number, seconds: number, settleSeconds = 10): Promise<IdleFigures> {
  // Start-up work (speech rendered ahead, the first checkpoints, V8 settling its heaps) is not idle.
  await new Promise((r) => setTimeout(r, settleSeconds * 1000));
  const main = String(pid);
  const before = { cpu: cpuSeconds(pid), main: switches(pid, main), all: allSwitches(pid), at: performance.now() };
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const wall = (performance.now() - before.at) / 1000;
  return {
    seconds: wall,
    cpuPercent: ((cpuSeconds(pid) - before.cpu) / wall) * 100,
    mainWakeups: (switches(pid, main) - before.main) / wall,
    allWakeups: (allSwitches(pid) - before.all) / wall,
    rss: rssMb(pid),
  };
}
