import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The real daemon as a child process (`veesion-bridge run`), as systemd would run it. */
export async function startDaemon(
  envFile: string,
  storesFile: string,
  port: number,
  env: Record<string, string> = {},
): Promise<ChildProcess> {
  const cli = join(__dirname, '../src/cli/main.js');
  // The Node options the systemd unit gives the daemon, so the figures are the service's.
  const unit = readFileSync(join(__dirname, '../../deploy/veesion-bridge.service'), 'utf8');
  const nodeOptions = /^Environment="?NODE_OPTIONS=([^"\n]*)"?$/m.exec(unit)?.[1] ?? '';
  if (!nodeOptions) throw new Error('deploy/veesion-bridge.service: its NODE_OPTIONS line was not found');
  // BENCH_NODE_FLAGS: extra node flags for the daemon, for tuning (e.g. --cpu-prof, --trace-gc).
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...flags, '--', cli, 'run', '--env-file', envFile, '--stores-file', storesFile],
    {
      stdio: ['ignore', process.env.BENCH_NODE_FLAGS ? 'inherit' : 'ignore', 'inherit'],
      env: { PATH: process.env.PATH, BRIDGE_LOG_LEVEL: 'warn', NODE_OPTIONS: nodeOptions, ...env },
    },
  );
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.status === 200) return child;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('daemon did not become ready');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** The daemon's descendants (its process helper and the engines it started ahead) and their RSS together. */
export function childrenRss(pid: number): { count: number; mb: number } {
  let count = 0;
  let kb = 0;
  const walk = (parent: number) => {
    for (const tid of readdirSync(`/proc/${parent}/task`)) {
      for (const child of readFileSync(`/proc/${parent}/task/${tid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)) {
        try {
          kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child}/status`, 'utf8'))?.[1] ?? 0);
          count++;
          walk(Number(child));
        } catch {
          // exited while we looked
        }
      }
    }
  };
  walk(pid);
  return { count, mb: kb / 1024 };
}

/** User + system CPU seconds of a process so far (/proc/<pid>/stat, clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Stops the daemon as systemd would; says how long it took unless `quiet` (a daemon stopped between runs). */
export async function stopDaemon(child: ChildProcess, opts: { quiet?: boolean } = {}): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const started = Date.now();
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
  if (child.exitCode === null && child.signalCode === null) {
    console.log('daemon did not exit within 15 s of SIGTERM: killed');
    child.kill('SIGKILL');
  } else if (!opts.quiet) {
    console.log(`daemon stopped on SIGTERM in ${Date.now() - started} ms (exit ${child.exitCode ?? child.signalCode})`);
  }
}

/**
 * Watches which processes `pid` starts itself (its direct children, sampled every 5 ms) until
 * stop() is called: the daemon should start none on the alert path (its process helper starts
 * the speech engines and ffmpeg). Children it had before are not counted.
 */
export function watchChildren(pid: number): { stop(): { started: number; names: string[] } } {
  const childrenNow = () => {
    const found = new Map<number, string>();
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        for (const child of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
          .trim()
          .split(/\s+/)
          .filter(Boolean))
          found.set(Number(child), readFileSync(`/proc/${child}/comm`, 'utf8').trim());
      } catch {
        // a thread or a child gone while we looked
      }
    }
    return found;
  };
  const before = new Set(childrenNow().keys());
  const seen = new Map<number, string>();
  const timer = setInterval(() => {
    for (const [child, name] of childrenNow()) if (!before.has(child)) seen.set(child, name);
  }, 5);
  return {
    stop: () => {
      clearInterval(timer);
      return { started: seen.size, names: [...new Set(seen.values())] };
    },
  };
}

/**
 * Where a process's resident memory is, from /proc/<pid>/smaps: V8's heap pages (anonymous
 * 256 KiB mappings), glibc's main arena (`[heap]`), other anonymous memory (malloc's other
 * arenas and large blocks, thread stacks, V8's code space), and file-backed pages (the node
 * binary, shared libraries), in MB.
 */
export function rssParts(pid: number): { v8Pages: number; mainArena: number; otherAnon: number; files: number } {
  const parts = { v8Pages: 0, mainArena: 0, otherAnon: 0, files: 0 };
  let size = 0;
  let name = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      size = Number.parseInt(head[2] as string, 16) - Number.parseInt(head[1] as string, 16);
      name = head[3] ?? '';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (!rss) continue;
    const mb = Number(rss[1]) / 1024;
    if (name === '[heap]') parts.mainArena += mb;
    else if (name.startsWith('/')) parts.files += mb;
    else if (name === '' && size === 256 * 1024) parts.v8Pages += mb;
    else parts.otherAnon += mb;
  }
  return parts;
}

/** One scrape of the daemon's /metrics: a metric's value (the first series, any labels), and its labelled series. */
export async function scrapeMetrics(port: number): Promise<{
  value(name: string): number;
  series(name: string, label: string): [string, number][];
}> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return {
    value: (name) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN),
    series: (name, label) =>
      [...text.matchAll(new RegExp(`^${name}\\{${label}="([^"]+)"\\} (\\S+)$`, 'gm'))].map(
        (m) => [m[1] as string, Number(m[2])] as [string, number],
      ),
  };
}
