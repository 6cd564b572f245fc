import { readFileSync, readdirSync } from 'node:fs';
import { ProcessHelper } from '../../../src/tts/process-helper';
import { TtsRenderer } from '../../../src/tts/tts-renderer';
import type { StepError } from '../../../src/pipeline/step-error';
import { threeColourClip } from '../../helpers/clips';
import { tempDir } from '../../helpers/paths';
import { childrenNamed } from '../../helpers/processes';
import { waitFor } from '../../helpers/quiet-logger';

/** Pids of `parent`'s children running `command` (Linux: read from /proc). */
function childrenOf(parent: number, command: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (comm === command && ppid === parent) found.push(Number(entry));
    } catch {
      // gone since the listing
    }
  }
  return found;
}

const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: StepError) => e,
  );

describe('the process helper (the programs of the alert path, started by a small process of their own)', () => {
  const helpers: ProcessHelper[] = [];
  const helper = (onRestart?: (reason: string) => void) => {
    const h = new ProcessHelper(onRestart ? { onRestart } : {});
    helpers.push(h);
    return h;
  };
  afterEach(() => {
    for (const h of helpers.splice(0)) h.stop();
  });

  it("hands back a program's output, standard error and exit status; the program is the helper's child, not ours", async () => {
    const h = helper();
    const out = await h.run(
      'sh',
      ['-c', 'printf "%s" "$PPID"; cat; echo "a warning" >&2'],
      'and stdin',
      10_000,
      0,
      false,
    );
    expect(out.stdout.toString()).toBe(`${h.pid}and stdin`);
    expect(out.stderr).toBe('a warning\n');
    expect(out.status).toBe(0);
    expect(h.pid).not.toBe(process.pid);
    const failed = await failureOf(h.run('sh', ['-c', 'echo "no voice" >&2; exit 3'], '', 10_000, 0, false));
    expect(failed).toMatchObject({ code: 'TTS_ENGINE_FAILED', retryable: true });
    expect(failed?.message).toContain('exited with 3: no voice');
    expect(await failureOf(h.run('no-such-engine', [], '', 10_000, 0, false))).toMatchObject({
      code: 'TTS_ENGINE_MISSING',
    });
  });

  it('a program past its deadline is killed, and the helper goes on', async () => {
    const h = helper();
    const pid = h.pid as number;
    const late = failureOf(h.run('sleep', ['31.7'], '', 500, 0, false));
    await waitFor(() => childrenOf(pid, 'sleep').length === 1, 10_000, 'sleep started by the helper');
    expect(await late).toMatchObject({ code: 'TTS_TIMEOUT' });
    await waitFor(() => childrenOf(pid, 'sleep').length === 0, 10_000, 'the late program killed');
    expect((await h.run('echo', ['still here'], '', 10_000, 0, false)).stdout.toString()).toBe('still here\n');
    expect(h.pid).toBe(pid);
  });

  it('a killed helper is started again, and what it was running is run again on the new one', async () => {
    const restarts: string[] = [];
    const h = helper((reason) => restarts.push(reason));
    const first = h.pid as number;
    const slow = h.run('sh', ['-c', 'sleep 0.5; echo done'], '', 20_000, 0, false);
    await waitFor(() => childrenOf(first, 'sh').length === 1, 10_000, 'the program running');
    process.kill(first, 'SIGKILL');
    expect((await slow).stdout.toString()).toBe('done\n');
    expect(h.pid).not.toBe(first);
    expect(restarts).toHaveLength(1); // once, however many ways the old one said it was gone
  });

  it("takes a clip's still image with the helper's ffmpeg, never one of ours", async () => {
    const h = helper();
    const pid = h.pid as number;
    const clip = await threeColourClip(tempDir());
    // Who starts ffmpeg is watched while the still is taken (each pass lives a few milliseconds).
    const seen = { helpers: 0, ours: 0 };
    const watch = setInterval(() => {
      seen.helpers += childrenOf(pid, 'ffmpeg').length;
      seen.ours += childrenNamed('ffmpeg').length;
    }, 1);
    try {
      const jpeg = await h.still(clip, { timeoutMs: 20_000 });
      expect([...jpeg.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    } finally {
      clearInterval(watch);
    }
    expect(seen.ours).toBe(0);
    expect(seen.helpers).toBeGreaterThan(0);
  });

  it('a renderer given the helper never starts an engine itself: the engine and its spare are the helper’s', async () => {
    const h = helper();
    const tts = new TtsRenderer({ engine: 'espeak-ng', voice: '', cacheDir: tempDir(), timeoutMs: 20_000, helper: h });
    try {
      expect((await tts.render('Attention! Theft detected on camera 4')).cached).toBe(false);
      expect(childrenNamed('espeak-ng')).toEqual([]);
      // The next sentence's engine waits, started ahead, under the helper.
      await waitFor(
        () => childrenOf(h.pid as number, 'espeak-ng').length === 1,
        10_000,
        'a spare engine in the helper',
      );
    } finally {
      await tts.stop();
    }
  });

  it('stop() fails what waits, and the helper exits with its spare engines', async () => {
    const h = helper();
    const pid = h.pid as number;
    const waiting = failureOf(h.run('sleep', ['5'], '', 20_000, 0, false));
    await waitFor(() => childrenOf(pid, 'sleep').length === 1, 10_000, 'the program running');
    h.stop();
    expect(await waiting).toMatchObject({ code: 'HELPER_STOPPED' });
    await waitFor(
      () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      10_000,
      'the helper gone',
    );
  });
});
