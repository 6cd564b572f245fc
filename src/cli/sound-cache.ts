import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface CachedSounds {
  dir: string;
  /** Rendered sentences in the cache; undefined when the directory cannot be read. */
  files?: number;
  error?: string;
}

/**
 * Counts what the daemon's audio cache (BRIDGE_DATA_DIR/sounds) really holds: one WAV file per
 * rendered sentence. Files being written or imported are hidden (a leading dot) and not counted.
 * A cache not created yet holds nothing; one this user may not read says so.
 */
export function countCachedSounds(dataDir: string): CachedSounds {
  const dir = join(dataDir, 'sounds');
  try {
    return { dir, files: readdirSync(dir).filter((name) => name.endsWith('.wav') && !name.startsWith('.')).length };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { dir, files: 0 };
    return { dir, error: code ?? (err as Error).message };
  }
}
