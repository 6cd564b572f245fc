import { existsSync, realpathSync } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join, relative } from 'node:path';

const LAUNCHER_VARIABLE = 'VEESION_BRIDGE_COMMAND';
let launcherCommand: string | undefined;

/**
 * Takes the command the launchers (bin/veesion-bridge, the package's /usr/bin/veesion-bridge)
 * pass in VEESION_BRIDGE_COMMAND out of the environment, once at start: no setting reads it
 * (check-config would warn about it as an unknown variable), and the processes the CLI starts
 * have no use for it.
 */
export function takeLauncherCommand(env: NodeJS.ProcessEnv = process.env): void {
  launcherCommand = env[LAUNCHER_VARIABLE] || undefined;
  delete env[LAUNCHER_VARIABLE];
}

/**
 * How to run this CLI again, for the commands a hint suggests: the command the user ran. One
 * found on the PATH is named by its name alone (`veesion-bridge`), one run by its path keeps
 * that path (`./bin/veesion-bridge`). Run as `node .../main.js`, with no launcher, it is the
 * checkout's bin/veesion-bridge when there is one, else node and the script.
 */
export function invokedAs(): string {
  return commandName(launcherCommand, process.env.PATH, process.argv[1], process.cwd());
}

/** invokedAs, from the launcher's command, the PATH, the script Node runs and the working directory. */
export function commandName(
  launcher: string | undefined,
  path: string | undefined,
  script: string | undefined,
  cwd: string,
): string {
  if (launcher) return onPath(launcher, path) ? basename(launcher) : quoted(launcher);
  if (script) {
    // dist/src/cli/main.js -> the checkout's bin/veesion-bridge
    const bin = join(dirname(script), '../../../bin/veesion-bridge');
    if (existsSync(bin)) return quoted(shellPath(bin, cwd));
    return `node ${quoted(shellPath(script, cwd))}`;
  }
  return 'veesion-bridge';
}

/** True when the command's name alone, looked up on PATH, runs this very file. */
function onPath(command: string, path: string | undefined): boolean {
  if (!command.includes('/')) return true;
  const real = realOrUndefined(command);
  if (real === undefined) return false;
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue;
    // The first match is the one the shell runs: only it may stand for this file.
    const candidate = realOrUndefined(join(dir, basename(command)));
    if (candidate !== undefined) return candidate === real;
  }
  return false;
}

function realOrUndefined(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

/** A path as one types it from `cwd`: ./bin/veesion-bridge below it, absolute elsewhere. */
function shellPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return file;
  return `./${rel}`;
}

/** Quoted for a POSIX shell when it holds more than plain path characters. */
function quoted(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
