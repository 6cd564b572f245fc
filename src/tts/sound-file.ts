import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** sounds/ ships beside src/ in the checkout (and beside dist/ once built). */
export function soundFile(name: string): string {
  const candidates = [resolve(__dirname, '../../sounds', name), resolve(__dirname, '../../../sounds', name)];
  return candidates.find((p) => existsSync(p)) ?? (candidates[0] as string);
}
