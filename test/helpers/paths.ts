import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

export const REPO = join(__dirname, '../..');
/** Every fixture the tests read lives in the repository (a clone stands alone). */
export const FIXTURES = join(REPO, 'fixtures');

export function tempDir(prefix = 'vb-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes an env.custom.ini and x-hoppers.json; returns their paths. */
export function writeConfig(
  dir: string,
  settings: Record<string, string>,
  stores: unknown,
): { envFile: string; storesFile: string } {
  const envFile = join(dir, 'env.custom.ini');
  const storesFile = join(dir, 'x-hoppers.json');
  writeFileSync(
    envFile,
    Object.entries(settings)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  );
  writeFileSync(storesFile, typeof stores === 'string' ? stores : JSON.stringify(stores));
  return { envFile, storesFile };
}

export const VALID_SETTINGS = {
  VEESION_HOOK_TOKEN: 'a-very-long-hook-token-123',
  BRIDGE_AMI_SECRET: 'ami-secret-value',
  // A bot token, the recommended set-up: no x-bees user id needed.
  BRIDGE_XBEES_TOKEN: 'wsk-v1-xbees-token-value',
};

export const STORE = { store_veesion_id: 'store-1', name: 'Store One', audio_conf_id: '7', xbees_channel_id: 'chan-1' };

/** Config messages name the files as given; tests write them in temp dirs, so the directory goes. */
export function shortPaths(text: string): string {
  return text.replace(/[^\s"'`]*\/(env\.custom\.ini|x-hoppers\.json)/g, '$1');
}

export function shortIssues<T extends { path: string }>(issues: readonly T[]): T[] {
  return issues.map((i) => ({ ...i, path: shortPaths(i.path) }));
}
