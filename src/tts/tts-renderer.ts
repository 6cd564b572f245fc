import { createHash, randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { open, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RenderedSpeech, SpeechRenderer } from '../pipeline/ports';
import { StepError } from '../pipeline/step-error';
import { ENGINES, type EngineName, type SpeechEngine } from './engines';
import { festivalShortfall } from './festival-check';
import { importSound } from './import-sound';
import { readWavInfo } from './wav';
import { decodeWav, type Pcm } from './pcm';
import { PcmWorker } from './pcm-worker';
import { SpareProcesses } from './spare-processes';
import { localRunner, type ProcessRunner } from './run-process';
import { espeakVoiceFor, installedVoices, voiceFor, type InstalledVoices, type Voice } from './voices';

export interface TtsOptions {
  /** The global engine and voice (BRIDGE_TTS_ENGINE, BRIDGE_TTS_VOICE: set, it overrides every language). */
  engine: EngineName;
  voice: string;
  /** Where rendered announcements are cached (BRIDGE_DATA_DIR/sounds). */
  cacheDir: string;
  chimeFile?: string | undefined;
  timeoutMs: number;
  /** BRIDGE_AUDIO_RATE: 8000 (narrowband) or 16000 (wideband conferences). */
  rate?: number;
  /** Injected for tests; defaults to the real engine of the voice (espeak-ng's when it stands in for Festival). */
  synthesize?: SpeechEngine;
  /** Told once per sentence that Festival could not say it whole and espeak-ng said it instead. */
  onFallback?: (fallback: Fallback) => void;
  /** Keep an engine started ahead per voice (default): false for one-off renders (the CLI's `say`). */
  spareEngines?: boolean;
  /**
   * The daemon's process helper: engines are started there, with their spares, and never by this
   * process (forking it stalls its event loop). Not stopped with the renderer: its owner stops it.
   */
  helper?: ProcessRunner & { refill(): void };
  /** Injected for tests; defaults to what is installed on this host. */
  installed?: InstalledVoices;
}

/** A sentence Festival did not say whole, spoken with espeak-ng instead. */
export interface Fallback {
  engine: 'festival';
  voice: string;
  reason: string;
  /** The espeak-ng voice that said it. */
  spokenWith: string;
  /** Its cache key: the file under it holds espeak-ng's render. */
  key: string;
  sentence: string;
}

/**
 * Bump when the conversion or the meaning of an entry changes, so old cache entries are not
 * reused. v3: a Festival entry is the whole sentence, said by espeak-ng when Festival cut it.
 */
const FORMAT_VERSION = 'wav-s16-mono-sinc-rms18-v3';

/**
 * Text -> the voice of its language -> in-process resampling and loudness (on a worker thread)
 * -> a WAV at BRIDGE_AUDIO_RATE in the cache, keyed by a hash of (engine, voice, chime, format,
 * rate, text). No converter process on the way. Concurrent requests for the same text share
 * one rendering. Files are written under a temporary name and renamed, so Asterisk never plays
 * a half-written file.
 */
export class TtsRenderer implements SpeechRenderer {
  private readonly pending = new Map<string, Promise<RenderedSpeech>>();
  private readonly known = new Map<string, number>();
  /** When each cached file was last played by this process (pruning spares it). */
  private readonly lastUsed = new Map<string, number>();
  private readonly pcm = new PcmWorker();
  /** Where engines start: the helper, or here with engines started ahead, one per voice in use (a new sentence pays synthesis, not start-up). */
  private readonly runner: (ProcessRunner & { refill(): void }) | undefined;
  private readonly ownSpares: SpareProcesses | undefined;
  private chimePcm: Promise<Pcm | undefined> | undefined;
  private installed: InstalledVoices | undefined;
  private readonly voices = new Map<string, Voice | undefined>();
  /** Renders under way (a pre-render waits while there is one). */
  private active = 0;
  /** Sentence keys whose fallback was reported (once each, however often re-rendered). */
  private readonly reported = new Set<string>();

  constructor(private readonly opts: TtsOptions) {
    this.ownSpares = opts.helper || opts.spareEngines === false ? undefined : new SpareProcesses();
    const spares = this.ownSpares;
    this.runner = opts.helper ?? (spares && { ...localRunner(spares), refill: () => spares.refill() });
    mkdirSync(opts.cacheDir, { recursive: true });
  }

  get rate(): number {
    return this.opts.rate ?? 8000;
  }

  /** Whether a render is under way: pre-rendering yields to live work. */
  get busy(): boolean {
    return this.active > 0 || this.pending.size > 0;
  }

  /** The voice a language is spoken with, or undefined when nothing installed speaks it. */
  voice(language?: string): Voice | undefined {
    const key = language ?? '';
    if (!this.voices.has(key)) {
      this.installed ??= this.opts.installed ?? installedVoices();
      this.voices.set(key, voiceFor(language, { engine: this.opts.engine, voice: this.opts.voice }, this.installed));
    }
    return this.voices.get(key);
  }

  cacheKey(text: string, language?: string): string {
    const v = this.voice(language) ?? { engine: this.opts.engine, voice: this.opts.voice };
    return createHash('sha256')
      .update(JSON.stringify([v.engine, v.voice, this.opts.chimeFile ?? '', FORMAT_VERSION, this.rate, text]))
      .digest('hex')
      .slice(0, 40);
  }

  /** Whether this sentence is already in the cache (for pre-rendering and its coverage). */
  async isCached(text: string, language?: string): Promise<boolean> {
    return (await this.fromDisk(join(this.opts.cacheDir, this.cacheKey(text, language)))) !== undefined;
  }

  async stop(): Promise<void> {
    this.ownSpares?.stop();
    await this.pcm.stop();
  }

  /**
   * Renders a fixed phrase once at start: proves the engine and ffmpeg work (a missing one is
   * reported at boot, not at the first theft) and warms fluent-ffmpeg's one-time probing.
   */
  async warmUp(): Promise<RenderedSpeech> {
    return this.render('veesion bridge ready');
  }

  cached(text: string, language?: string): RenderedSpeech | undefined {
    if (!this.voice(language)) return undefined;
    const key = this.cacheKey(text, language);
    return this.knownAndReadable(key, join(this.opts.cacheDir, key));
  }

  /**
   * A sentence rendered by this process whose file is still readable, checked on every use just
   * before the call is placed: a cached file deleted or made unreadable underneath us is
   * rendered again rather than handed to Asterisk. One access() of a file just used is a few
   * microseconds: asked on the spot, not through the thread pool, whose round trip would be the
   * cached call's longest wait.
   */
  private knownAndReadable(key: string, playbackPath: string): RenderedSpeech | undefined {
    const durationMs = this.known.get(key);
    if (durationMs === undefined || !readableNow(`${playbackPath}.wav`)) return undefined;
    this.lastUsed.set(key, Date.now());
    return { playbackPath, durationMs, cached: true };
  }

  async render(text: string, language?: string): Promise<RenderedSpeech> {
    const voice = this.voice(language);
    if (!voice)
      throw new StepError(
        'TTS_NO_VOICE',
        'bad-input',
        `no installed speech engine speaks ${language}: install its espeak-ng or Festival voice, or set BRIDGE_TTS_VOICE`,
      );
    const key = this.cacheKey(text, language);
    const playbackPath = join(this.opts.cacheDir, key);
    const durationMs = this.knownAndReadable(key, playbackPath)?.durationMs ?? (await this.fromDisk(playbackPath));
    this.lastUsed.set(key, Date.now());
    if (durationMs !== undefined) {
      this.known.set(key, durationMs);
      return { playbackPath, durationMs, cached: true };
    }
    let job = this.pending.get(key);
    if (!job) {
      job = this.create(text, language, voice, key, playbackPath).finally(() => this.pending.delete(key));
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
      const cached = cacheFileKey(name);
      if (!cached) continue;
      const { key, isTemp } = cached;
      const file = join(this.opts.cacheDir, name);
      const used = this.lastUsed.get(key);
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

  private async create(
    text: string,
    language: string | undefined,
    voice: Voice,
    key: string,
    playbackPath: string,
  ): Promise<RenderedSpeech> {
    this.active++;
    try {
      const { speech, engine } = await this.speak(text, language, voice, key);
      let wav: Buffer;
      try {
        wav = await this.pcm.convert(speech, this.rate, await this.chime());
      } catch (err) {
        throw new StepError(
          'TTS_AUDIO_UNREADABLE',
          'internal',
          `${engine} audio could not be converted: ${(err as Error).message}`,
          { cause: err },
        );
      }
      const tmp = join(this.opts.cacheDir, tempFileName(key));
      try {
        await writeFile(tmp, wav, { mode: 0o640 });
        await fsync(tmp);
        await rename(tmp, `${playbackPath}.wav`);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      const durationMs = readWavInfo(wav).durationMs;
      this.known.set(key, durationMs);
      return { playbackPath, durationMs, cached: false };
    } finally {
      this.active--;
      this.runner?.refill();
    }
  }

  /**
   * The sentence's audio from its voice's engine. Festival exits 0 with part of a sentence (or
   * none) when its rules cannot say a word: such a render is never played. The sentence is said
   * by espeak-ng's voice of the same language instead (reported once per sentence), or, with none
   * installed, the render fails.
   */
  private async speak(
    text: string,
    language: string | undefined,
    voice: Voice,
    key: string,
  ): Promise<{ speech: Buffer; engine: EngineName }> {
    const synthesize = this.opts.synthesize ?? ENGINES[voice.engine];
    let reason: string | undefined;
    try {
      const speech = await synthesize(text, voice.voice, this.opts.timeoutMs, this.runner);
      if (voice.engine === 'festival') reason = festivalShortfall(text, speech);
      if (!reason) return { speech: audible(speech, voice.engine), engine: voice.engine };
    } catch (err) {
      // Festival crashing on a sentence (it has on a lone accented letter) is the same failure.
      if (voice.engine !== 'festival' || !(err instanceof StepError) || err.code !== 'TTS_ENGINE_FAILED') throw err;
      reason = 'engine failed';
    }
    this.installed ??= this.opts.installed ?? installedVoices();
    const espeak = espeakVoiceFor(voice, language, this.installed);
    if (!espeak) {
      throw new StepError(
        'TTS_INCOMPLETE',
        'internal',
        `festival could not say the whole sentence (${reason}) and no espeak-ng voice speaks its language`,
      );
    }
    if (!this.reported.has(key)) {
      this.reported.add(key);
      this.opts.onFallback?.({
        engine: 'festival',
        voice: voice.voice,
        reason,
        spokenWith: espeak.voice,
        key,
        sentence: text,
      });
    }
    // No spare kept for it: a sentence Festival cannot say is rare, and cached once said. Still
    // started by the helper when there is one (never forked from the daemon).
    const runner = this.runner;
    const once: ProcessRunner | undefined = runner && {
      run: (command, args, stdin, timeoutMs, niceness) => runner.run(command, args, stdin, timeoutMs, niceness, false),
    };
    const speech = await (this.opts.synthesize ?? ENGINES['espeak-ng'])(text, espeak.voice, this.opts.timeoutMs, once);
    return { speech: audible(speech, 'espeak-ng'), engine: 'espeak-ng' };
  }

  /**
   * The chime, decoded once. A WAV in a format the decoder does not read (compressed, odd
   * layouts) is imported once with ffmpeg (its only use here), then decoded.
   */
  private chime(): Promise<Pcm | undefined> {
    const file = this.opts.chimeFile;
    if (!file) return Promise.resolve(undefined);
    this.chimePcm ??= (async () => {
      const bytes = await readFile(file);
      try {
        return decodeWav(bytes);
      } catch {
        const imported = join(this.opts.cacheDir, `.chime.${randomBytes(4).toString('hex')}.wav`);
        try {
          await importSound(file, imported, this.opts.timeoutMs);
          return decodeWav(await readFile(imported));
        } finally {
          await rm(imported, { force: true });
        }
      }
    })();
    this.chimePcm.catch(() => (this.chimePcm = undefined)); // a broken chime is tried again next time
    return this.chimePcm;
  }
}

function audible(speech: Buffer, engine: EngineName): Buffer {
  if (speech.length < 44) throw new StepError('TTS_EMPTY', 'internal', `${engine} produced no audio`);
  return speech;
}

async function fsync(file: string): Promise<void> {
  const fh = await open(file, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function readableNow(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** A render's file while it is written, renamed to `<key>.wav` once whole. */
function tempFileName(key: string): string {
  return `.${key}.${randomBytes(4).toString('hex')}.tmp`;
}

/**
 * The key a file of the cache belongs to (what `pending` and `lastUsed` know it by), and whether it
 * is a render's temporary file (see tempFileName); undefined for a file that is neither.
 */
function cacheFileKey(name: string): { key: string; isTemp: boolean } | undefined {
  if (name.endsWith('.wav')) return { key: name.slice(0, -'.wav'.length), isTemp: false };
  const temp = /^\.([^.]+)\.[^.]*\.tmp$/.exec(name);
  if (temp) return { key: temp[1] as string, isTemp: true };
  // A leftover `.tmp` of another shape is still a crash leftover: pruned by its age alone.
  if (name.startsWith('.') && name.endsWith('.tmp')) return { key: name, isTemp: true };
  return undefined;
}
