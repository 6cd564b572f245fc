import type { Logger } from '../log/logger';
import type { RenderedSpeech } from '../pipeline/ports';
import type { StoreRoute } from '../pipeline/alert';
import type { Settings } from '../config/settings-schema';
import { sentencesToPrepare } from '../pipeline/sentences';

export interface Sentence {
  text: string;
  language?: string | undefined;
}

export interface PrerenderDeps {
  tts: {
    /** A live render is under way: pre-rendering waits for it to finish. */
    readonly busy: boolean;
    isCached(text: string, language?: string): Promise<boolean>;
    render(text: string, language?: string): Promise<RenderedSpeech>;
  };
  /** What is worth having ready (read at the start of each pass). */
  sentences: () => Sentence[] | Promise<Sentence[]>;
  logger: Logger;
  /** How often a waiting pass looks again (tests make it short). */
  pollMs?: number;
}

export interface Coverage {
  /** Sentences worth having ready. */
  wanted: number;
  /** Of those, already in the cache. */
  cached: number;
  /** A pass is under way. */
  running: boolean;
}

/**
 * Renders, ahead of time, the sentences real alerts will need: at start and after a
 * reload, in the background, one at a time, and never ahead of a live alert (it waits while
 * one renders). A new pass replaces the one under way.
 */
export class Prerenderer {
  private generation = 0;
  private stopped = false;
  private state: Coverage = { wanted: 0, cached: 0, running: false };
  private current: Promise<void> | undefined;

  constructor(private readonly deps: PrerenderDeps) {}

  coverage(): Coverage {
    return { ...this.state };
  }

  /** Starts a pass (a running one stops at its next sentence). */
  run(): void {
    if (this.stopped) return;
    const generation = ++this.generation;
    const previous = this.current;
    this.current = (async () => {
      await previous;
      await this.pass(generation);
    })().catch((err: unknown) => {
      this.deps.logger.warn('pre-rendering stopped; live alerts render as they come', { err });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    await this.current;
  }

  private async pass(generation: number): Promise<void> {
    const live = () => !this.stopped && generation === this.generation;
    if (!live()) return;
    const list = await this.deps.sentences();
    if (!live()) return;
    this.state = { wanted: list.length, cached: 0, running: true };
    let rendered = 0;
    const started = Date.now();
    try {
      for (const s of list) {
        if (!live()) return;
        if (await this.deps.tts.isCached(s.text, s.language)) {
          this.state.cached++;
          continue;
        }
        while (this.deps.tts.busy) {
          if (!live()) return;
          await new Promise((r) => setTimeout(r, this.deps.pollMs ?? 200));
        }
        if (!live()) return;
        try {
          await this.deps.tts.render(s.text, s.language);
          this.state.cached++;
          rendered++;
        } catch (err) {
          this.deps.logger.debug('pre-render failed; this sentence renders when an alert needs it', { err });
        }
      }
      this.deps.logger.info('audio cache ready', {
        sentences: list.length,
        rendered,
        durationMs: Date.now() - started,
      });
    } finally {
      if (generation === this.generation) this.state.running = false;
    }
  }
}

const DAY = 86_400_000;

/** The cameras and claimers the journal has seen lately (this host's, or the one the daemons share). */
export interface SeenInJournal {
  camerasSeen(since: number): Promise<{ storeId: string; cameraId: string }[]>;
  claimersSeen(since: number): Promise<{ storeId: string; cameraId: string; by: string }[]>;
}

/**
 * The pre-renderer of a daemon: the sentences of every store for the cameras seen and the
 * people who claimed in the last 30 days, in each store's language.
 */
export function storePrerenderer(deps: {
  tts: PrerenderDeps['tts'];
  seen: SeenInJournal;
  stores: () => ReadonlyMap<string, StoreRoute>;
  settings: Pick<
    Settings,
    'VEESION_ALERT_TEXT' | 'VEESION_ALERT_TEXT_MANY' | 'VEESION_ALERT_TEXT_SUMMARY' | 'VEESION_CLAIMED_TEXT'
  >;
  logger: Logger;
}): Prerenderer {
  const s = deps.settings;
  const globals = {
    single: s.VEESION_ALERT_TEXT,
    many: s.VEESION_ALERT_TEXT_MANY,
    summary: s.VEESION_ALERT_TEXT_SUMMARY,
    claimed: s.VEESION_CLAIMED_TEXT,
    and: 'and',
  };
  return new Prerenderer({
    tts: deps.tts,
    logger: deps.logger,
    sentences: async () => {
      const since = Date.now() - 30 * DAY;
      const [cameras, claimers] = await Promise.all([deps.seen.camerasSeen(since), deps.seen.claimersSeen(since)]);
      return sentencesToPrepare(deps.stores().values(), cameras, claimers, globals);
    },
  });
}
