import type { Settings } from '../config/settings-schema';
import type { Area } from '../area';
import { DAY_MS } from '../housekeeping';
import type { Logger } from '../log/logger';
import type { StoreRoute } from '../pipeline/alert';
import { ttsFromSettings } from './from-settings';
import { unspokenLanguages } from './language-check';
import { storePrerenderer, type Prerenderer, type SeenInJournal } from './prerender';
import type { TtsRenderer } from './tts-renderer';
import { ProcessHelper } from './process-helper';

/**
 * Speech: the renderer the announcements and escalation calls go through, warmed up at start,
 * and the sentences of every store prepared ahead in the background. Early in the list, so it
 * stops after every area that renders.
 */
export class SpeechArea implements Area {
  readonly name = 'speech';
  readonly tts: TtsRenderer;
  /** Where the engines and ffmpeg (still images) are started, so the daemon never forks on the alert path. */
  readonly helper: ProcessHelper;
  readonly prerender: Prerenderer;
  private stopping = false;

  constructor(
    private readonly s: Settings,
    private readonly deps: { logger: Logger; seen: SeenInJournal; stores: () => ReadonlyMap<string, StoreRoute> },
  ) {
    this.helper = new ProcessHelper({
      onRestart: (reason) =>
        deps.logger.warn('process helper started again (its work in progress is retried)', { reason }),
    });
    this.tts = ttsFromSettings(s, deps.logger, this.helper);
    this.prerender = storePrerenderer({
      tts: this.tts,
      seen: deps.seen,
      stores: deps.stores,
      settings: s,
      logger: deps.logger,
    });
  }

  /** Names the stores whose language no voice speaks; warms the engine up in the background, then prepares the stores' sentences. */
  start(): void {
    for (const w of unspokenLanguages([...this.deps.stores().values()], this.s))
      this.deps.logger.error('store language not spoken: its announcements fail until fixed', {
        path: w.path,
        problem: w.message,
      });
    const started = Date.now();
    this.tts.warmUp().then(
      () => {
        if (this.stopping) return; // stopped meanwhile: nothing to say, nothing to prepare
        this.deps.logger.info('speech engine ready', {
          engine: this.s.BRIDGE_TTS_ENGINE,
          durationMs: Date.now() - started,
        });
        this.prerender.run();
      },
      (err: unknown) =>
        this.stopping ||
        this.deps.logger.error(
          'speech engine not working: announcements will fail until fixed (run scripts/setup.sh)',
          { err },
        ),
    );
  }

  /** After a reload: new stores' sentences, in their language. */
  reloaded(): void {
    this.prerender.run();
  }

  /** How much of what pre-rendering wants is in the audio cache. */
  details(): Record<string, unknown> {
    return { audioCache: this.prerender.coverage() };
  }

  drain(): void {
    this.stopping = true;
  }

  async stop(): Promise<void> {
    await this.prerender.stop();
    await this.tts.stop();
    this.helper.stop();
  }

  async housekeep(now: number): Promise<Record<string, number>> {
    return { audioFilesRemoved: await this.tts.prune(this.s.BRIDGE_AUDIO_CACHE_DAYS * DAY_MS, now) };
  }
}
