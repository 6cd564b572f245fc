import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { REPO } from './paths';

/** Where the console tests write a screenshot of each page (README, Tests). */
export const SCREENSHOTS = join(REPO, 'test-results', 'console');

/**
 * Debian's chromium (scripts/setup.sh --tests installs it), driven by playwright-core, headless.
 * CHROMIUM_PATH points elsewhere. No browser is a failure, never a skip: the console is tested.
 */
export async function launchBrowser(): Promise<Browser> {
  const path =
    process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (!path) throw new Error('no chromium: run scripts/setup.sh --tests (or set CHROMIUM_PATH)');
  mkdirSync(SCREENSHOTS, { recursive: true });
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({
    executablePath: path,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}
