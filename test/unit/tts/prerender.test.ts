import { join } from 'node:path';
import { Prerenderer } from '../../../src/tts/prerender';
import { TtsRenderer } from '../../../src/tts/tts-renderer';
import { encodeWav } from '../../../src/tts/pcm';
import { capturedLogger, waitFor } from '../../helpers/quiet-logger';
import { tempDir } from '../../helpers/paths';

const tone = Float32Array.from({ length: 16000 }, (_, i) => 0.3 * Math.sin(i / 5));

describe('pre-rendering', () => {
  it('renders one at a time, and never while a live alert renders: the live one goes first, the next waits for it', async () => {
    const events: string[] = [];
    const held = new Map<string, () => void>();
    // A slow engine: each call waits until the test lets it go.
    const synthesize = (text: string) =>
      new Promise<Buffer>((resolve) => {
        events.push(`start ${text}`);
        held.set(text, () => {
          events.push(`end ${text}`);
          resolve(encodeWav(tone, 16000));
        });
      });
    const tts = new TtsRenderer({
      engine: 'espeak-ng',
      voice: '',
      cacheDir: join(tempDir(), 'c'),
      timeoutMs: 30_000,
      synthesize,
    });
    const pre = new Prerenderer({
      tts,
      sentences: () => [{ text: 'pre 1' }, { text: 'pre 2' }, { text: 'pre 3' }],
      logger: capturedLogger().logger,
      pollMs: 5,
    });
    pre.run();
    await waitFor(() => held.has('pre 1'), 10_000, 'the first pre-render');
    const live = tts.render('live alert'); // comes in while pre 1 renders: not queued behind it
    await waitFor(() => held.has('live alert'), 10_000, 'the live render started at once');
    held.get('pre 1')?.();
    await new Promise((r) => setTimeout(r, 200)); // pre 2 must not start while the live one renders
    expect(held.has('pre 2')).toBe(false);
    held.get('live alert')?.();
    await live;
    await waitFor(() => held.has('pre 2'), 10_000, 'pre 2 after the live one');
    held.get('pre 2')?.();
    await waitFor(() => held.has('pre 3'), 10_000, 'pre 3');
    held.get('pre 3')?.();
    await waitFor(() => pre.coverage().running === false, 10_000, 'the pass done');
    expect(events).toEqual([
      'start pre 1',
      'start live alert',
      'end pre 1',
      'end live alert',
      'start pre 2',
      'end pre 2',
      'start pre 3',
      'end pre 3',
    ]);
    expect(pre.coverage()).toEqual({ wanted: 3, cached: 3, running: false });
    // A second pass finds everything cached and renders nothing.
    pre.run();
    await waitFor(() => pre.coverage().running === false && pre.coverage().cached === 3, 10_000, 'second pass');
    expect(events.filter((e) => e.startsWith('start'))).toHaveLength(4);
    await pre.stop();
    await tts.stop();
  }, 30_000);
});
