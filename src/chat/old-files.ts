import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Deletes the files of `dir` (those `keep` names, or all) last changed more than `maxAgeMs` before `now`; returns how many went. */
export function deleteOlderThan(
  dir: string,
  maxAgeMs: number,
  now: number,
  keep: (name: string) => boolean = () => true,
): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0; // no directory yet: nothing to delete
  }
  let removed = 0;
  for (const name of names.filter(keep)) {
    const path = join(dir, name);
    try {
      if (now - statSync(path).mtimeMs > maxAgeMs) {
        unlinkSync(path);
        removed++;
      }
    } catch {
      // gone meanwhile
    }
  }
  return removed;
}
