import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProcess } from '../../../src/tts/run-process';
import { SpareProcesses } from '../../../src/tts/spare-processes';
import { tempDir } from '../../helpers/paths';

/** A stand-in engine: notes its pid in a file as it starts (its "loading"), then answers its stdin. */
const SCRIPT = 'echo $$ >> "$0"; read x; echo "$$:$x"';

async function until(what: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('speech engines started ahead', () => {
  it('the next sentence goes to the process started after the last one; a spare that died costs a fresh start, not a failure', async () => {
    const log = join(tempDir(), 'started');
    const started = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map(Number) : []);
    const spares = new SpareProcesses();
    try {
      const first = (await runProcess('sh', ['-c', SCRIPT, log], 'one\n', 10_000, 0, spares)).toString().trim();
      expect(first).toBe(`${started()[0]}:one`);
      expect(spares.size).toBe(0); // none started while the caller still works
      spares.refill();
      await until(() => started().length === 2); // the replacement is up and waiting
      expect(spares.size).toBe(1);
      const spare = started()[1] as number;

      const second = (await runProcess('sh', ['-c', SCRIPT, log], 'two\n', 10_000, 0, spares)).toString().trim();
      expect(second).toBe(`${spare}:two`);
      spares.refill();

      await until(() => started().length === 3);
      const doomed = started()[2] as number;
      process.kill(doomed, 'SIGKILL');
      await until(() => !alive(doomed));
      const third = (await runProcess('sh', ['-c', SCRIPT, log], 'three\n', 10_000, 0, spares)).toString().trim();
      expect(third).toMatch(/^\d+:three$/);
      expect(third.startsWith(`${doomed}:`)).toBe(false);
      spares.refill();
      await until(() => started().length === 5); // the fresh start for three, then a new spare
    } finally {
      spares.stop();
    }
    const last = started().at(-1) as number;
    await until(() => !alive(last)); // stop() leaves no spare behind
    expect(spares.size).toBe(0);
  });

  it('an engine that fails on its input fails once: only a spare that died waiting is started again', async () => {
    const log = join(tempDir(), 'runs');
    const spares = new SpareProcesses();
    try {
      const failing = ['-c', 'echo run >> "$0"; read x; echo "no voice $x" >&2; exit 3', log];
      await expect(runProcess('sh', failing, 'x\n', 10_000, 0, spares)).rejects.toMatchObject({
        code: 'TTS_ENGINE_FAILED',
      });
      spares.refill();
      await until(() => spares.size === 1);
      await expect(runProcess('sh', failing, 'y\n', 10_000, 0, spares)).rejects.toThrow(/exited with 3: no voice y/);
      expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(2); // one run each, no retry
    } finally {
      spares.stop();
    }
  });

  it('a missing engine is reported as missing and leaves no spare', async () => {
    const spares = new SpareProcesses();
    try {
      await expect(runProcess('veesion-no-such-engine', [], 'x', 10_000, 0, spares)).rejects.toMatchObject({
        code: 'TTS_ENGINE_MISSING',
      });
      spares.refill();
      await until(() => spares.size === 0);
    } finally {
      spares.stop();
    }
  });

  it('keeps at most `max` spares, the most recently used voices', async () => {
    const spares = new SpareProcesses(2);
    try {
      for (const voice of ['a', 'b', 'c']) {
        await runProcess('sh', ['-c', 'read x; echo "$0 $x"', voice], 'hi\n', 10_000, 0, spares);
        spares.refill();
      }
      expect(spares.size).toBe(2);
    } finally {
      spares.stop();
    }
  });
});
