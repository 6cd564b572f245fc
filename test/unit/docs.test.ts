import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO } from '../helpers/paths';

/** The README is the front door: short, the two set-up commands first, and every link it and the manual give resolves. */
describe('the README and docs/', () => {
  const pages = [
    'README.md',
    ...readdirSync(join(REPO, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];

  it('the README fits 300 lines and starts with the two set-up commands', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8').split('\n');
    expect(readme.length).toBeLessThanOrEqual(300);
    const commands = readme
      .slice(0, 8)
      .filter((l) => l.startsWith('    '))
      .map((l) => l.trim());
    expect(commands).toEqual(['scripts/setup.sh && ./bin/veesion-bridge demo', 'scripts/setup.sh --tests && npm test']);
  });

  it.each(pages)('every relative link of %s resolves', (page) => {
    const text = readFileSync(join(REPO, page), 'utf8');
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1] as string)
      .filter((t) => !/^[a-z]+:/.test(t) && !t.startsWith('#'));
    const broken = targets.filter((t) => !existsSync(join(REPO, dirname(page), t.split('#')[0] as string)));
    expect(broken).toEqual([]);
  });

  it('the README links every page of the manual', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    expect(pages.filter((p) => p.startsWith('docs/') && !readme.includes(`](${p})`))).toEqual([]);
  });
});
