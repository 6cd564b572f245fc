import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

describe('the daemon stays the one wiring point, and a small one', () => {
  it('src/daemon.ts builds a list of areas in at most 250 lines (each file in src/ at most 400, checked by the linter)', () => {
    const lines = readFileSync(join(ROOT, 'src', 'daemon.ts'), 'utf8')
      .trimEnd()
      .split('\n').length;
    expect(lines).toBeLessThanOrEqual(250);
  });
});
