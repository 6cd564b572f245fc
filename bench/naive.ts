import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { SimWorld } from '../src/sim/sim-world';

/** The naive forwarder (naive-forwarder.ts) as its own process, and the port it listens on. */
export async function startNaiveForwarder(world: SimWorld): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [join(__dirname, 'naive-forwarder.js'), String(world.ami.port), 'veesion-bridge', world.amiSecret],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the naive forwarder did not start within 10 s')), 10_000);
    child.once('exit', (code) => reject(new Error(`the naive forwarder exited (${code})`)));
    child.stdout?.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      resolve(Number(chunk.toString().trim()));
    });
  });
  return { child, port };
}

export async function stopNaiveForwarder(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}
