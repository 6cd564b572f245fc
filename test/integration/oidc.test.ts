import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { SimWorld } from '../../src/sim/sim-world';
import { launchBrowser } from '../helpers/browser';
import { CLI } from '../helpers/cli';
import { REPO, tempDir } from '../helpers/paths';
import { waitFor } from '../helpers/quiet-logger';
import { STORES } from '../helpers/world';

const ADMIN = 'oidc-admin-token-0123456789';
const CLIENT = { id: 'veesion-bridge-console', secret: 'a-client-secret-for-the-sso-tests' };
const ACCOUNTS = {
  'anna-lp': { name: 'Anna (loss prevention)', veesion_role: 'manager', veesion_stores: ['store-b'] },
  'no-role': { name: 'Nobody Special' },
  'odd-role': { name: 'Odd', veesion_role: 'superuser' },
};

/**
 * Single sign-on end to end: the built daemon as a process (openid-client is an ES module, loaded
 * by the daemon with import(), which jest's CommonJS set-up cannot do) against a real OpenID
 * Provider (oidc-provider, in its own process), driven by a real browser through the provider's
 * own sign-in and consent pages. The role and stores come from the provider's claims; an account
 * without a role is refused.
 */
describe('single sign-on with a real OpenID Provider', () => {
  let world: SimWorld;
  let provider: ChildProcess;
  let daemon: ChildProcess;
  let browser: Browser;
  let daemonErr = '';

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error('dist/ missing: run `npm test` (it builds first)');
    world = await new SimWorld({
      dir: tempDir('vb-oidc-'),
      stores: STORES,
      settings: { BRIDGE_ADMIN_TOKEN: ADMIN },
    }).start();
    provider = spawn(process.execPath, [join(REPO, 'test/helpers/oidc-provider.mjs')], {
      env: {
        PATH: process.env.PATH,
        OIDC_CLIENT_ID: CLIENT.id,
        OIDC_CLIENT_SECRET: CLIENT.secret,
        OIDC_REDIRECT_URI: `http://127.0.0.1:${world.httpPort}/console/oidc/callback`,
        OIDC_ACCOUNTS: JSON.stringify(ACCOUNTS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    provider.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    provider.stderr?.on('data', () => undefined); // its development-mode warnings
    await waitFor(() => out.includes('\n'), 20_000, 'the OpenID Provider listening');
    const { issuer } = JSON.parse(out.split('\n')[0] as string) as { issuer: string };
    daemon = spawn(
      process.execPath,
      ['--', CLI, 'run', '--env-file', world.envFile, '--stores-file', world.storesFile],
      {
        env: {
          PATH: process.env.PATH,
          BRIDGE_OIDC_ISSUER: issuer,
          BRIDGE_OIDC_CLIENT_ID: CLIENT.id,
          BRIDGE_OIDC_CLIENT_SECRET: CLIENT.secret,
          BRIDGE_OIDC_REDIRECT_URI: `http://127.0.0.1:${world.httpPort}/console/oidc/callback`,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    daemon.stderr?.on('data', (c: Buffer) => (daemonErr += c.toString()));
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${world.httpPort}/healthz`).catch(() => undefined))?.ok === true,
      20_000,
      'the daemon listening',
    );
    browser = await launchBrowser();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    for (const child of [daemon, provider]) {
      if (!child || child.exitCode !== null) continue;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
    await world?.stop();
  });

  /** Through the provider's own pages: its sign-in form, then its consent. */
  const signInAt = async (login: string) => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${world.httpPort}/console`);
    await page.getByRole('link', { name: 'Sign in with single sign-on' }).click();
    await page.waitForSelector('input[name=login]', { timeout: 20_000 });
    await page.fill('input[name=login]', login);
    await page.fill('input[name=password]', 'any password: the development form takes it');
    await page.click('button[type=submit]');
    // The consent page, on a first sign-in to this client.
    await page.waitForSelector('button[type=submit]', { timeout: 20_000 });
    await page.click('button[type=submit]');
    return page;
  };

  it("signs a person in with the role and stores of the provider's claims", async () => {
    const page = await signInAt('anna-lp');
    await page.waitForSelector('#nav:not([hidden])', { timeout: 20_000 });
    expect(page.url()).toBe(`http://127.0.0.1:${world.httpPort}/console`);
    expect(await page.locator('#whoami').textContent()).toBe('Anna (loss prevention) (manager)');
    expect(await page.locator('#nav a:visible').allTextContents()).toEqual(['Live', 'History', 'Stores']);
    // The server holds her to her stores, whatever the page offers.
    const answer = await page.evaluate(async () => {
      const res = await fetch('/api/v1/stores');
      return { status: res.status, body: (await res.json()) as { stores: { store_veesion_id: string }[] } };
    });
    expect(answer.status).toBe(200);
    expect(answer.body.stores.map((s) => s.store_veesion_id)).toEqual(['store-b']);
    expect(await page.evaluate(async () => (await fetch('/api/v1/integrations')).status)).toBe(403);
    await page.close();
  }, 60_000);

  it('refuses an account the provider gives no role, or a role the bridge does not have', async () => {
    for (const login of ['no-role', 'odd-role']) {
      const page = await signInAt(login);
      const refusal = page.locator('[role=alert]');
      await refusal.waitFor({ timeout: 20_000 });
      expect(await refusal.textContent()).toContain('your account has no role for this console');
      expect(await page.evaluate(async () => (await fetch('/console/session')).status)).toBe(401);
      await page.close();
    }
  }, 60_000);

  it('keeps the client secret out of the log', () => {
    expect(daemonErr).not.toContain(CLIENT.secret);
  });
});
