import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Daemon } from '../../src/daemon';
import { bootWorld, type World } from '../helpers/world';
import { launchBrowser, SCREENSHOTS } from '../helpers/browser';
import { capturedLogger, waitFor } from '../helpers/quiet-logger';
import { secretValues } from '../../src/config/redact';

const ADMIN = 'console-admin-token-0123456789';

/**
 * The operator console in a real headless Chromium against the real daemon and the simulators:
 * sign-in, live incidents, claim and resolve, silences, the pages on a phone, and what is
 * refused (a wrong token, a change without its CSRF token).
 */
describe('the operator console in a real browser', () => {
  let browser: Browser;
  let w: World | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  const callsFor = (world: World['world'], id: string) => world.ami.originates.filter((o) => o.variables.includes(`ALERT_ID=${id}`)).length;

  async function signedIn(base: string, width = 1200): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    if (process.env['CONSOLE_DEBUG']) { page.on('console', (m) => console.log('PAGE', m.text())); page.on('requestfinished', async (r) => console.log('REQ', r.method(), r.url(), (await r.response())?.status())); page.on('requestfailed', (r) => console.log('FAILED', r.url(), r.failure()?.errorText)); }
    await page.goto(`${base}/console`);
    await page.fill('#token', ADMIN);
    await page.click('button[type=submit]');
    await page.waitForSelector('#nav:not([hidden])', { timeout: 20_000 });
    return page;
  }

  it('signs in; a posted alert appears on Live by itself; Claim in the page is heard in the conference; Resolve closes it', async () => {
    w = await bootWorld({ settings: { BRIDGE_ADMIN_TOKEN: ADMIN } });
    const { world, base } = w;
    const page = await signedIn(base);
    await page.waitForSelector('text=No open or claimed incident', { timeout: 20_000 });
    await page.fill('#me', 'Anna');

    expect((await w.post({ alert_uuid: 'live-1', location: 'store-b', camera_id: '7' })).status).toBe(200);
    const card = page.locator('article[data-alert="live-1"]');
    await card.waitFor({ timeout: 20_000 }).catch(async (e) => { console.log('MAIN', await page.locator('#main').innerHTML()); throw e; }); // no reload: the server-sent events nudge the page
    expect(await card.locator('h3').textContent()).toBe('Camera 7');
    await page.screenshot({ path: join(SCREENSHOTS, 'live.png'), fullPage: true });
    await waitFor(() => callsFor(world, 'live-1') === 1, 20_000, 'the announcement');

    await card.getByRole('button', { name: 'Claim' }).click();
    await waitFor(() => w?.daemon.journal.incidents.find('live-1')?.state === 'claimed', 20_000, 'claimed from the page');
    expect(w.daemon.journal.incidents.find('live-1')).toMatchObject({ claimedBy: 'Anna', claimedVia: 'http' });
    // The conference hears who took it: one more call for this alert (the claimed sentence).
    await waitFor(() => callsFor(world, 'live-1') === 2, 20_000, 'the "is handling" announcement');
    await page.locator('article[data-alert="live-1"] >> text=claimed by Anna').waitFor({ timeout: 20_000 });

    await card.locator('select').selectOption('false-alarm');
    await card.getByRole('button', { name: 'Resolve' }).click();
    await waitFor(() => w?.daemon.journal.incidents.find('live-1')?.state === 'resolved', 20_000, 'resolved from the page');
    expect(w.daemon.journal.incidents.find('live-1')).toMatchObject({ outcome: 'false-alarm', resolvedBy: 'Anna' });
    await card.waitFor({ state: 'detached', timeout: 20_000 });
    await page.close();
  }, 120_000);

  it('refuses a wrong token (and limits retries), a change without the CSRF token, and signs out', async () => {
    w = await bootWorld({ settings: { BRIDGE_ADMIN_TOKEN: ADMIN } });
    const { base } = w;
    const page = await browser.newPage();
    await page.goto(`${base}/console`);
    await page.fill('#token', 'not-the-admin-token-at-all');
    await page.click('button[type=submit]');
    await page.locator('form.signin [role=alert]', { hasText: 'wrong admin token' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('#nav').isHidden()).toBe(true);
    // Five wrong tries from one address, then it must wait, even with the right token.
    for (let i = 0; i < 4; i++) expect((await fetch(`${base}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"token":"wrong-wrong-wrong-wrong"}' })).status).toBe(401);
    const limited = await fetch(`${base}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: ADMIN }) });
    expect([limited.status, Number(limited.headers.get('retry-after')) > 0]).toEqual([429, true]);
    await page.close();
  }, 60_000);

  it('a session cookie is HttpOnly and SameSite=Strict; changes need X-CSRF-Token; signing out ends the session', async () => {
    w = await bootWorld({ settings: { BRIDGE_ADMIN_TOKEN: ADMIN } });
    const { base } = w;
    const page = await signedIn(base);
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({ name: 'vb_console', httpOnly: true, sameSite: 'Strict', secure: false });
    expect((await w.post({ alert_uuid: 'csrf-1', location: 'store-c', camera_id: '2' })).status).toBe(200);
    await waitFor(() => w?.daemon.journal.incidents.find('csrf-1') !== undefined, 20_000, 'incident');
    const attempt = (withCsrf: boolean) => page.evaluate(async ([csrfOn]) => {
      const session = await (await fetch('/console/session')).json() as { csrf: string };
      const res = await fetch('/api/v1/incidents/csrf-1/claim', {
        method: 'POST', headers: { 'content-type': 'application/json', ...(csrfOn ? { 'x-csrf-token': session.csrf } : {}) }, body: JSON.stringify({ by: 'Mallory' }),
      });
      return res.status;
    }, [withCsrf] as const);
    expect(await attempt(false)).toBe(403);
    expect(w.daemon.journal.incidents.find('csrf-1')?.state).toBe('open');
    expect(await attempt(true)).toBe(200);
    await page.click('#signout');
    await page.waitForSelector('form.signin', { timeout: 20_000 });
    expect(await page.evaluate(async () => (await fetch('/api/v1/incidents?state=open')).status)).toBe(401);
    await page.close();
  }, 60_000);

  it('silencing a store in the page mutes its next alert; every page fits a phone (390 px) and is screenshotted', async () => {
    w = await bootWorld({ settings: { BRIDGE_ADMIN_TOKEN: ADMIN } });
    const { base } = w;
    const page = await signedIn(base, 390);
    await page.goto(`${base}/console#/stores`);
    const store = page.locator('article[data-store="store-d"]');
    await store.waitFor({ timeout: 20_000 });
    await store.getByRole('button', { name: 'Silence' }).click();
    await store.locator('.silenced').waitFor({ timeout: 20_000 });
    expect((await w.post({ alert_uuid: 'quiet-1', location: 'store-d', camera_id: '1' })).status).toBe(200);
    const steps = await w.finished('quiet-1');
    expect(steps.find((s) => s.step === 'announce')?.state).toBe('muted');

    const titles: Record<string, string> = { live: 'Live incidents', history: 'History', stores: 'Stores', integrations: 'Integrations', charts: 'Charts', 'alert/quiet-1': 'Alert quiet-1' };
    for (const [name, title] of Object.entries(titles)) {
      await page.goto(`${base}/console#/${name}`);
      await page.locator('#main h1', { hasText: title }).waitFor({ timeout: 20_000 });
      if (name === 'charts') await page.locator('canvas').first().waitFor({ timeout: 20_000 });
      const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      expect([name, overflow]).toEqual([name, 0]);
      await page.screenshot({ path: join(SCREENSHOTS, `phone-${name.replace('/', '-')}.png`), fullPage: true });
    }
    // Keyboard only: from the page's content, Shift+Tab walks back into the navigation; Enter opens a page.
    await page.goto(`${base}/console#/stores`);
    await page.locator('#main h1', { hasText: 'Stores' }).waitFor({ timeout: 20_000 });
    await page.focus('#main');
    let href: string | null = null;
    for (let i = 0; i < 6 && !href; i++) {
      await page.keyboard.press('Shift+Tab');
      href = await page.evaluate('document.activeElement && document.activeElement.getAttribute("href")') as string | null;
    }
    expect(href).toBe('#/charts');
    await page.keyboard.press('Shift+Tab'); // Integrations
    await page.keyboard.press('Shift+Tab'); // Stores
    await page.keyboard.press('Shift+Tab'); // History
    await page.keyboard.press('Shift+Tab'); // Live
    await page.keyboard.press('Enter');
    await page.locator('#main h1', { hasText: 'Live incidents' }).waitFor({ timeout: 20_000 });
    // The skip link takes focus to the content and leaves the page where it is.
    await page.focus('.skip');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement.id')).toBe('main');
    expect(await page.evaluate('location.hash')).toBe('#/live');
    expect(await page.locator('nav a[href="#/live"]').getAttribute('aria-current')).toBe('page');
    await page.close();
  }, 120_000);

  it('the page recovers by itself after the daemon restarts: no reload, no second sign-in', async () => {
    w = await bootWorld({ settings: { BRIDGE_ADMIN_TOKEN: ADMIN } });
    const page = await signedIn(w.base);
    await page.waitForSelector('text=No open or claimed incident', { timeout: 20_000 });
    await w.daemon.stop();
    const { logger } = capturedLogger(secretValues(w.config.settings));
    const again = new Daemon({ config: w.config, logger, video: w.world.videoSeams, stopDeadlineMs: 2000 });
    await again.start();
    const world = w.world;
    w = undefined; // stopped here: the first daemon is already down
    try {
      const res = await fetch(`http://127.0.0.1:${again.port}/api/v1/veesion?token=${world.hookToken}`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ alert_uuid: 'after-restart', location: 'store-b', camera_id: '5' }),
      });
      expect(res.status).toBe(200);
      await page.locator('article[data-alert="after-restart"]').waitFor({ timeout: 30_000 });
    } finally {
      await page.close();
      await again.stop();
      await world.stop();
    }
  }, 90_000);

  it('a signed-out session stays refused after a restart; wrong Bearer tokens are limited like sign-ins', async () => {
    w = await bootWorld({ settings: { BRIDGE_ADMIN_TOKEN: ADMIN } });
    const signIn = await fetch(`${w.base}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: ADMIN }) });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const { csrf } = (await signIn.json()) as { csrf: string };
    const session = () => fetch(`${w?.base}/console/session`, { headers: { cookie } }).then((r) => r.status);
    expect(await session()).toBe(200);
    expect((await fetch(`${w.base}/console/session/logout`, { method: 'POST', headers: { cookie } })).status).toBe(403); // no CSRF token
    expect((await fetch(`${w.base}/console/session/logout`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf } })).status).toBe(200);
    expect(await session()).toBe(401);
    await w.daemon.stop();
    const { logger } = capturedLogger(secretValues(w.config.settings));
    const again = new Daemon({ config: w.config, logger, video: w.world.videoSeams, stopDeadlineMs: 2000 });
    await again.start();
    const world = w.world;
    w = undefined;
    try {
      expect(await fetch(`http://127.0.0.1:${again.port}/console/session`, { headers: { cookie } }).then((r) => r.status)).toBe(401);
      const api = (token: string) => fetch(`http://127.0.0.1:${again.port}/api/v1/stores`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
      for (let i = 0; i < 5; i++) expect(await api(`wrong-token-number-${i}-xxxxxxxx`)).toBe(401);
      expect(await api(ADMIN)).toBe(429);
    } finally {
      await again.stop();
      await world.stop();
    }
  }, 60_000);

  it('without BRIDGE_ADMIN_TOKEN the console is off and says how to turn it on', async () => {
    w = await bootWorld();
    const res = await fetch(`${w.base}/console`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('Set <code>BRIDGE_ADMIN_TOKEN</code>');
  }, 30_000);
});
