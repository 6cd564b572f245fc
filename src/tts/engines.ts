import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE_NICENESS, localRunner, type ProcessOutput, type ProcessRunner } from './run-process';
import { festivalInput } from './festival-text';
import { StepError } from '../pipeline/step-error';

export type EngineName = 'espeak-ng' | 'festival' | 'say';

/**
 * An engine's WAV bytes, with what it reported alongside (absent: nothing to report). An engine
 * can exit 0 with half a sentence and say so only on stderr.
 */
export type EngineAudio = Buffer & { stderr?: string; status?: number };

/**
 * Synthesises `text` to WAV bytes. The text is data: it goes to the engine on stdin. `runner`:
 * where the engine is started (the renderer's process helper, with engines started ahead;
 * absent: a fresh process of this one).
 */
export type SpeechEngine = (
  text: string,
  voice: string,
  timeoutMs: number,
  runner?: ProcessRunner,
) => Promise<EngineAudio>;

function withReport(out: ProcessOutput): EngineAudio {
  return Object.assign(out.stdout, { stderr: out.stderr, status: out.status });
}

const espeakNg: SpeechEngine = async (text, voice, timeoutMs, runner = localRunner()) =>
  withReport(
    await runner.run('espeak-ng', ['-v', voice || 'en', '--stdin', '--stdout'], text, timeoutMs, ENGINE_NICENESS),
  );

/**
 * Festival's text2wave reads the text as a text file (tts mode), never as Scheme. The voice
 * name is validated by the config schema to [A-Za-z0-9_+-], so the -eval form is constant. It
 * gets the text in the words and the encoding its rules can say (festivalText).
 */
const festival: SpeechEngine = async (text, voice, timeoutMs, runner = localRunner()) =>
  withReport(
    await runner.run(
      'text2wave',
      voice ? ['-eval', `(voice_${voice})`] : [],
      festivalInput(text),
      timeoutMs,
      ENGINE_NICENESS,
    ),
  );

/**
 * The `say` package, only where its export works (macOS, Windows: both keep the text out of
 * any interpreter). On Linux it would splice the text into Festival's Scheme: never used there.
 */
const sayExport: SpeechEngine = async (text, voice, timeoutMs) => {
  if (process.platform !== 'darwin' && process.platform !== 'win32') {
    throw new StepError('TTS_SAY_UNSUPPORTED', 'bad-input', 'say cannot export audio on this platform');
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional, platform-specific
  const say = require('say') as {
    export(t: string, v: string | null, s: number, f: string, cb: (e?: Error) => void): void;
  };
  const dir = await mkdtemp(join(tmpdir(), 'veesion-say-'));
  const file = join(dir, 'speech.wav');
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new StepError('TTS_TIMEOUT', 'timeout', 'say export timed out')),
        timeoutMs,
      );
      say.export(text, voice || null, 1, file, (err) => {
        clearTimeout(timer);
        if (err) reject(new StepError('TTS_ENGINE_FAILED', 'internal', err.message));
        else resolve();
      });
    });
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

export const ENGINES: Record<EngineName, SpeechEngine> = { 'espeak-ng': espeakNg, festival, say: sayExport };
