import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { constants } from 'node:fs';
import { access, open, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { RenderedSpeech, SpeechRenderer } from '../pipeline/ports';
import { StepError } from '../pipeline/step-error';
import { ENGINES, type EngineName, type SpeechEngine } from './engines';
import { convertToTelephoneWav } from './convert';
import { readWavInfo } from './wav';

export interface TtsOptions {
  engine: EngineName;
  voice: string;
  /** Where rendered announcements are cached (BRIDGE_DATA_DIR/sounds). */
  cacheDir: string;
  chimeFile?: string | undefined;
  timeoutMs: number;
  /** Injected for tests; defaults to the real engine. */
  synthesize?: SpeechEngine;
}

/** Bump when the conversion changes, so old cache entries are not reused. */
const FORMAT_VERSION = 'wav8k-s16-mono-loudnorm-v1';

/**
 * Text -> engine -> ffmpeg -> 8 kHz WAV in the cache, keyed by a hash of (engine, voice,
 * chime, format, text). Concurrent requests for the same text share one rendering. Files are
 * written under a temporary name and renamed, so Asterisk never plays a half-written file.
 */
export class TtsRenderer implements SpeechRenderer {
  private readonly pending = new Map<string, Promise<RenderedSpeech>>();
  private readonly known = new Map<string, number>();
  /** When each cached file was last played by this process (pruning spares it). */
  private readonly lastUsed = new Map<string, number>();
  private readonly synthesize: SpeechEngine;

  constructor(private readonly opts: TtsOptions) {
    this.synthesize = opts.synthesize ?? ENGINES[opts.engine];
    mkdirSync(opts.cacheDir, { recursive: true });
  }

  cacheKey(text: string): string {
    const { engine, voice, chimeFile } = this.opts;
    return createHash('sha256').update(JSON.stringify([engine, voice, chimeFile ?? '', FORMAT_VERSION, text])).digest('hex').slice(0, 40);
  }

  /**
   * Renders a fixed phrase once at start: proves the engine and ffmpeg work (a missing one is
   * reported at boot, not at the first theft) and warms fluent-ffmpeg's one-time probing.
   */
  async warmUp(): Promise<RenderedSpeech> {
    return this.render('veesion bridge ready');
  }

  async render(text: string): Promise<RenderedSpeech> {
    const key = this.cacheKey(text);
    const playbackPath = join(this.opts.cacheDir, key);
    // Checked on every use, just before the call is placed: a cached file deleted or made
    // unreadable underneath us is rendered again rather than handed to Asterisk.
    const known = this.known.get(key);
    const durationMs = known !== undefined && (await readable(`${playbackPath}.wav`)) ? known : await this.fromDisk(playbackPath);
    this.lastUsed.set(key, Date.now());
    if (durationMs !== undefined) {
      this.known.set(key, durationMs);
      return { playbackPath, durationMs, cached: true };
    }
    let job = this.pending.get(key);
    if (!job) {
      job = this.create(text, key, playbackPath).finally(() => this.pending.delete(key));
      this.pending.set(key, job);
    }
    return job;
  }

  /**
   * Housekeeping: deletes cached announcements not used for `maxAgeMs` (by file time, which is
   * brought up to the last use here first, so recency survives a restart), and temporary files
   * left by a crash. Returns how many files went.
   */
  async prune(maxAgeMs: number, now = Date.now()): Promise<number> {
    const cutoff = now - maxAgeMs;
    let removed = 0;
    for (const name of await readdir(this.opts.cacheDir)) {
      const file = join(this.opts.cacheDir, name);
      const key = name.replace(/\.wav$/, '');
      const used = this.lastUsed.get(key);
      const isTemp = name.startsWith('.') && name.endsWith('.tmp');
      if (!isTemp && !name.endsWith('.wav')) continue;
      try {
        if (used !== undefined && used >= cutoff) {
          await utimes(file, used / 1000, used / 1000);
          continue;
        }
        const age = now - (await stat(file)).mtimeMs;
        if (age < (isTemp ? Math.min(maxAgeMs, 3_600_000) : maxAgeMs) || this.pending.has(key)) continue;
        if ((this.lastUsed.get(key) ?? 0) >= cutoff) continue; // played while we looked
        this.known.delete(key);
        this.lastUsed.delete(key);
        await rm(file, { force: true });
        removed++;
      } catch {
        // Gone already, or being renamed: nothing to prune.
      }
    }
    return removed;
  }

  private async fromDisk(playbackPath: string): Promise<number | undefined> {
    try {
      // Missing, truncated or not a WAV: all mean "not cached" (readWavInfo throws on the last two).
      return readWavInfo(await readFile(`${playbackPath}.wav`)).durationMs;
    } catch {
      return undefined;
    }
  }

  private async create(text: string, key: string, playbackPath: string): Promise<RenderedSpeech> {
    const speech = await this.synthesize(text, this.opts.voice, this.opts.timeoutMs);
    if (speech.length < 44) throw new StepError('TTS_EMPTY', 'internal', `${this.opts.engine} produced no audio`);
    const tmp = join(this.opts.cacheDir, `.${key}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await convertToTelephoneWav(speech, tmp, { prefixFile: this.opts.chimeFile, timeoutMs: this.opts.timeoutMs });
      await fsync(tmp);
      await rename(tmp, `${playbackPath}.wav`);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    const durationMs = readWavInfo(await readFile(`${playbackPath}.wav`)).durationMs;
    this.known.set(key, durationMs);
    return { playbackPath, durationMs, cached: false };
  }
}

async function fsync(file: string): Promise<void> {
  const fh = await open(file, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function readable(file: string): Promise<boolean> {
  return access(file, constants.R_OK).then(() => true, () => false);
}
