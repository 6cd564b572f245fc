import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The version in veesion-bridge's own package.json, read at run time from the package root: the
 * first one found above `from`, i.e. the checkout's (beside dist/) or the installed package's
 * (/usr/lib/veesion-bridge). A package.json of another name (a dependency's) is passed over.
 */
export function packageVersion(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'veesion-bridge' && typeof pkg.version === 'string') return pkg.version;
    }
    if (dirname(dir) === dir) throw new Error(`no package.json of veesion-bridge in ${from} or above`);
  }
}
