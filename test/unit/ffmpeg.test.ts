import { runFfmpeg } from '../../src/ffmpeg';
import { childrenNamed } from '../helpers/processes';
import { waitFor } from '../helpers/quiet-logger';

describe('runFfmpeg with the real ffmpeg', () => {
  it('kills an ffmpeg that would run forever and says it timed out', async () => {
    // An endless test pattern: ffmpeg only stops when killed.
    const endless = runFfmpeg(
      (cmd) => {
        cmd.input('testsrc=size=320x240:rate=25').inputFormat('lavfi').output('-').format('null');
      },
      { timeoutMs: 2000, what: 'endless' },
    );
    await expect(endless).rejects.toMatchObject({ code: 'FFMPEG_TIMEOUT', kind: 'timeout' });
    await waitFor(() => childrenNamed('ffmpeg').length === 0, 10_000, 'the endless ffmpeg killed');
  });

  it('reports a failing ffmpeg with its stderr', async () => {
    const failing = runFfmpeg(
      (cmd) => {
        cmd.input('/nonexistent/clip.mp4').output('-').format('null');
      },
      { timeoutMs: 20_000, what: 'missing input' },
    );
    await expect(failing).rejects.toMatchObject({
      code: 'FFMPEG_FAILED',
      kind: 'internal',
      message: expect.stringMatching(/missing input.*No such file/),
    });
  });
});
