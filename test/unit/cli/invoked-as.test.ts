import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandName, invokedAs, takeLauncherCommand } from '../../../src/cli/invoked-as';
import { REPO, tempDir } from '../../helpers/paths';

/** An executable file standing for the launcher. */
function launcherIn(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'veesion-bridge');
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, 0o755);
  return file;
}

describe('invokedAs: the command the hints name', () => {
  it('is the bare name when the launcher run is the one the PATH finds (the installed package)', () => {
    const bin = join(tempDir(), 'usr/bin');
    const launcher = launcherIn(bin);
    expect(commandName(launcher, `/nowhere:${bin}:/usr/bin`, undefined, '/')).toBe('veesion-bridge');
  });

  it('keeps the path as run when the PATH finds no launcher, or another one first', () => {
    const root = tempDir();
    const checkout = launcherIn(join(root, 'checkout/bin'));
    expect(commandName(checkout, '/usr/bin:/bin', undefined, '/')).toBe(checkout);
    const other = join(root, 'other');
    launcherIn(other);
    expect(commandName(checkout, `${other}:${join(root, 'checkout/bin')}`, undefined, '/')).toBe(checkout);
    expect(commandName('./bin/veesion-bridge', '/usr/bin', undefined, '/')).toBe('./bin/veesion-bridge');
  });

  it('quotes a path a shell would split', () => {
    const launcher = launcherIn(join(tempDir(), 'my tools'));
    expect(commandName(launcher, '/usr/bin', undefined, '/')).toBe(`'${launcher}'`);
  });

  it("with no launcher, is the checkout's bin/veesion-bridge beside the script, else node and the script", () => {
    expect(commandName(undefined, '/usr/bin', join(REPO, 'dist/src/cli/main.js'), REPO)).toBe('./bin/veesion-bridge');
    expect(commandName(undefined, '/usr/bin', join(REPO, 'dist/src/cli/main.js'), tempDir())).toBe(
      join(REPO, 'bin/veesion-bridge'),
    );
    // A script with no checkout around it (not under /, where an installed package's /bin/veesion-bridge would be found).
    const loose = join(tempDir(), 'a/b/c');
    expect(commandName(undefined, '/usr/bin', join(loose, 'main.js'), loose)).toBe('node ./main.js');
  });

  it('takes the launcher variable out of the environment (no setting reads it)', () => {
    const env: NodeJS.ProcessEnv = { VEESION_BRIDGE_COMMAND: 'veesion-bridge', PATH: '/usr/bin' };
    takeLauncherCommand(env);
    expect(env).toEqual({ PATH: '/usr/bin' });
    expect(invokedAs()).toBe('veesion-bridge');
  });
});
