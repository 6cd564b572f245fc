import { join } from 'node:path';
import type { Settings } from '../config/settings-schema';
import type { Logger } from '../log/logger';
import { soundFile } from './sound-file';
import { TtsRenderer } from './tts-renderer';
import type { ProcessHelper } from './process-helper';

/** The daemon's renderer: the engine and voice of the settings, the cache in the data directory. */
export function ttsFromSettings(s: Settings, logger: Logger, helper?: ProcessHelper): TtsRenderer {
  return new TtsRenderer({
    ...(helper ? { helper } : {}),
    engine: s.BRIDGE_TTS_ENGINE,
    voice: s.BRIDGE_TTS_VOICE,
    cacheDir: join(s.BRIDGE_DATA_DIR, 'sounds'),
    chimeFile: s.BRIDGE_CHIME ? soundFile(s.BRIDGE_CHIME) : undefined,
    timeoutMs: s.BRIDGE_TTS_TIMEOUT_MS,
    rate: s.BRIDGE_AUDIO_RATE,
    // A cut Festival render is spoken by espeak-ng instead: worth knowing once per sentence.
    onFallback: (fallback) => logger.warn('festival could not say the sentence; spoken with espeak-ng', fallback),
  });
}
