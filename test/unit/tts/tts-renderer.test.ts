import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TtsRenderer, type TtsOptions } from '../../../src/tts/tts-renderer';
import { readWavInfo } from '../../../src/tts/wav';
import { rmsDbfs } from '../../helpers/wav';
import { soundFile } from '../../../src/tts/sound-file';
import { runProcess } from '../../../src/tts/run-process';
import { tempDir } from '../../helpers/paths';
import { waitFor } from '../../helpers/quiet-logger';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const text = 'Attention! Theft detected in store one on camera 3';

/** A renderer on the real espeak-ng (or `engine`), in a fresh cache directory unless told, no spare engines. */
const renderer = (opts: Partial<TtsOptions> = {}) =>
  new TtsRenderer({
    engine: 'espeak-ng',
    voice: '',
    cacheDir: tempDir(),
    timeoutMs: 20_000,
    spareEngines: false,
    ...opts,
  });

describe('TtsRenderer with the real engines and ffmpeg', () => {
  it.each(['espeak-ng', 'festival'] as const)(
    '%s: renders 8 kHz mono 16-bit speech, audible and over a second long',
    async (engine) => {
      const dir = tempDir();
      const tts = renderer({ engine, cacheDir: dir });
      const speech = await tts.render(text);
      const buf = readFileSync(`${speech.playbackPath}.wav`);
      const info = readWavInfo(buf);
      expect(info).toMatchObject({ sampleRate: 8000, channels: 1, bitsPerSample: 16 });
      expect(info.durationMs).toBeGreaterThan(1000);
      expect(speech.durationMs).toBe(info.durationMs);
      expect(rmsDbfs(buf, info)).toBeGreaterThan(-30);
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    },
  );

  it('answers from the cache the second time, and shares one rendering between concurrent calls', async () => {
    let engineRuns = 0;
    const real = renderer();
    const dir = tempDir();
    const tts = renderer({
      cacheDir: dir,
      synthesize: async (t) => {
        engineRuns++;
        return readFileSync(`${(await real.render(t)).playbackPath}.wav`);
      },
    });
    const [a, b] = await Promise.all([tts.render(text), tts.render(text)]);
    expect(engineRuns).toBe(1);
    expect(a.playbackPath).toBe(b.playbackPath);
    expect((await tts.render(text)).cached).toBe(true);
    // A new renderer on the same directory finds the file on disk.
    const fresh = renderer({
      cacheDir: dir,
      synthesize: async () => {
        throw new Error('must not run');
      },
    });
    expect(await fresh.render(text)).toMatchObject({ cached: true, playbackPath: a.playbackPath });
    // Rendered and readable: handed over on the spot, with no wait (the cached call's path).
    expect(tts.cached(text)).toMatchObject({ cached: true, playbackPath: a.playbackPath });
    expect(tts.cached('never rendered')).toBeUndefined();
    // A cached file deleted underneath is rendered again before anyone plays it.
    rmSync(`${a.playbackPath}.wav`);
    expect(tts.cached(text)).toBeUndefined();
    expect(await tts.render(text)).toMatchObject({ cached: false, playbackPath: a.playbackPath });
    expect(engineRuns).toBe(2);
    expect(existsSync(`${a.playbackPath}.wav`)).toBe(true);
  });

  it('plays the chime first when configured', async () => {
    const plain = await renderer().render(text);
    const chimed = await renderer({
      chimeFile: soundFile('chime.wav'),
    }).render(text);
    expect(chimed.durationMs - plain.durationMs).toBeGreaterThan(400);
  });

  it.each(['espeak-ng', 'festival'] as const)('%s: hostile text is spoken, never evaluated', async (engine) => {
    const marker = join(tempDir(), 'pwned');
    const hostile = `x") (system "touch ${marker}") ("; touch ${marker}; $(touch ${marker}) \`touch ${marker}\``;
    const speech = await renderer({ engine }).render(hostile);
    expect(existsSync(`${speech.playbackPath}.wav`)).toBe(true);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('runProcess', () => {
  it('names a missing engine and how to install it', async () => {
    await expect(runProcess('no-such-tts-engine', [], 'x', 1000)).rejects.toMatchObject({
      code: 'TTS_ENGINE_MISSING',
      message: expect.stringContaining('scripts/setup.sh'),
    });
  });
  it('reports a failing engine with its exit code and stderr', async () => {
    await expect(runProcess('sh', ['-c', 'echo broken voice >&2; exit 3'], '', 1000)).rejects.toMatchObject({
      code: 'TTS_ENGINE_FAILED',
      message: expect.stringContaining('exited with 3: broken voice'),
    });
  });
  it('kills an engine that hangs', async () => {
    const pidFile = join(tempDir(), 'engine.pid');
    // The engine writes its pid, then hangs far past the test's own deadline.
    await expect(runProcess('sh', ['-c', `echo $$ > ${pidFile}; exec sleep 600`], '', 100)).rejects.toMatchObject({
      code: 'TTS_TIMEOUT',
      kind: 'timeout',
    });
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(() => !alive(pid), 10_000, 'the hung engine killed');
  });
  it('passes text on stdin, untouched', async () => {
    const hostile = '$(id) `id` "; rm -rf / #\n';
    expect((await runProcess('cat', [], hostile, 1000)).toString()).toBe(hostile);
  });
});

describe('TtsRenderer.prune (housekeeping)', () => {
  it('deletes announcements unused past the age and crash leftovers, keeps recent and just-played ones, and re-renders a pruned one', async () => {
    const { utimesSync, writeFileSync } = await import('node:fs');
    const dir = tempDir();
    let engineRuns = 0;
    const real = renderer();
    const make = () =>
      renderer({
        cacheDir: dir,
        synthesize: async (t) => {
          engineRuns++;
          return readFileSync(`${(await real.render(t)).playbackPath}.wav`);
        },
      });
    const day = 86_400_000;
    const now = Date.now();
    const first = make();
    const old = await first.render('old phrase');
    const played = await first.render('played phrase');
    const fresh = await first.render('fresh phrase');
    const tenDaysAgo = (now - 10 * day) / 1000;
    for (const p of [old, played]) utimesSync(`${p.playbackPath}.wav`, tenDaysAgo, tenDaysAgo);
    writeFileSync(join(dir, '.abc.1234.tmp'), 'half a file');
    utimesSync(join(dir, '.abc.1234.tmp'), tenDaysAgo, tenDaysAgo);

    // A restarted daemon plays one of the old files, then housekeeping runs with a 7-day age.
    const second = make();
    await second.render('played phrase');
    expect(await second.prune(7 * day, now)).toBe(2);
    expect([old, played, fresh].map((p) => existsSync(`${p.playbackPath}.wav`))).toEqual([false, true, true]);
    expect(existsSync(join(dir, '.abc.1234.tmp'))).toBe(false);
    // The played file's time was brought forward, so the next restart keeps it too.
    expect(await make().prune(7 * day, now)).toBe(0);

    const runs = engineRuns;
    expect(await second.render('old phrase')).toMatchObject({ cached: false });
    expect(engineRuns).toBe(runs + 1);
    expect(existsSync(`${old.playbackPath}.wav`)).toBe(true);
  });

  it("keeps a render's temporary file while that render is under way, however old the clock says it is", async () => {
    const { basename } = await import('node:path');
    const { utimesSync, writeFileSync } = await import('node:fs');
    const real = renderer();
    const rendered = await real.render('slow phrase');
    const dir = tempDir();
    let release: () => void = () => {};
    const tts = renderer({
      cacheDir: dir,
      synthesize: async () => {
        await new Promise<void>((r) => {
          release = r;
        });
        return readFileSync(`${rendered.playbackPath}.wav`);
      },
    });
    const job = tts.render('slow phrase');
    await waitFor(() => tts.busy, 5_000, 'render under way');
    // What the render writes before its rename: `.<key>.<random>.tmp`, the key being its file's name.
    const temp = join(dir, `.${basename(rendered.playbackPath)}.0a1b2c3d.tmp`);
    writeFileSync(temp, 'half a file');
    const day = 86_400_000;
    utimesSync(temp, (Date.now() - 2 * day) / 1000, (Date.now() - 2 * day) / 1000);
    expect(await tts.prune(3 * day, Date.now() + 10 * day)).toBe(0);
    expect(existsSync(temp)).toBe(true);
    release();
    expect((await job).cached).toBe(false);
    // Its render over, the same file is a crash leftover: it goes.
    expect(await tts.prune(3 * day, Date.now() + 10 * day)).toBe(2);
    expect(readdirSync(dir)).toEqual([]);
  });
});
