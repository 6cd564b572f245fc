import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageVersion } from '../../../src/cli/version';
import { runCli } from '../../helpers/cli';
import { REPO, tempDir } from '../../helpers/paths';

const version = (require(join(REPO, 'package.json')) as { version: string }).version;

describe('the version', () => {
  it("is read from the package root's package.json, passing over a dependency's", () => {
    const root = tempDir();
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'veesion-bridge', version: '9.8.7' }));
    const dep = join(root, 'node_modules/dep/lib');
    mkdirSync(dep, { recursive: true });
    writeFileSync(join(dep, '../package.json'), JSON.stringify({ name: 'dep', version: '1.0.0' }));
    expect(packageVersion(dep)).toBe('9.8.7');
    expect(packageVersion()).toBe(version);
  });

  it('says clearly when there is no package.json above', () => {
    expect(() => packageVersion(tempDir())).toThrow(/no package.json of veesion-bridge/);
  });

  it('--version and -V print it and exit 0', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag]);
      expect(r).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });
});
