import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Daemon } from '../../src/daemon';
import { bootWorld, type World } from '../helpers/world';
import { launchBrowser, SCREENSHOTS } from '../helpers/browser';
import { capturedLogger, waitFor } from '../helpers/quiet-logger';
import { secretValues } from '../../src/config/redact';
import { signInCode } from '../../src/console/sessions';
import { runCli } from '../helpers/cli';

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

  const callsFor = (world: World['world'], id: string) =>
    world.ami.originates.filter((o) => o.variables.includes(`ALERT_ID=${id}`)).length;

  async function signedIn(base: string, width = 1200): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    if (process.env.CONSOLE_DEBUG) {
      page.on('console', (m) => console.log('PAGE', m.text()));
      page.on('requestfinished', async (r) => console.log('REQ', r.method(), r.url(), (await r.response())?.status()));
      page.on('requestfailed', (r) => console.log('FAILED', r.url(), r.failure()?.errorText));
    }
    await page.goto(`${base}/console`);
    await page.fill('#token', ADMIN);
    await page.click('button[type=submit]');
    await page.waitForSelector('#nav:not([hidden])', { timeout: 20_000 });
    return page;
  }

  /** A user signed in with name and password, on a phone-sized page. */
  async function signedInAs(base: string, user: string, password: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 390, height: 800 } });
    await page.goto(`${base}/console`);
    await page.fill('#user', user);
    await page.fill('#token', password);
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

    expect(
      (await w.post({ alert_uuid: 'live-1', location: 'store-b', camera_id: '7', url: world.video.url('live-1') }))
        .status,
    ).toBe(200);
    const card = page.locator('article[data-alert="live-1"]');
    await card.waitFor({ timeout: 20_000 }).catch(async (e) => {
      console.log('MAIN', await page.locator('#main').innerHTML());
      throw e;
    }); // no reload: the server-sent events nudge the page
    expect(await card.locator('h3').textContent()).toBe('Camera 7');
    await page.screenshot({ path: join(SCREENSHOTS, 'live.png'), fullPage: true });
    await waitFor(() => callsFor(world, 'live-1') === 1, 20_000, 'the announcement');

    await card.getByRole('button', { name: 'Claim' }).click();
    await waitFor(
      async () => (await w?.daemon.journal.incidents.find('live-1'))?.state === 'claimed',
      20_000,
      'claimed from the page',
    );
    expect(await w.daemon.journal.incidents.find('live-1')).toMatchObject({ claimedBy: 'Anna', claimedVia: 'http' });
    // The conference hears who took it: one more call for this alert (the claimed sentence).
    await waitFor(() => callsFor(world, 'live-1') === 2, 20_000, 'the "is handling" announcement');
    await page.locator('article[data-alert="live-1"] .meta >> text=claimed by Anna').waitFor({ timeout: 20_000 });

    // The timeline says who took it and how soon; it stays open across the page's redraws.
    await card.locator('details.timeline summary').click();
    await card.locator('ol.timeline >> text=/claimed by Anna, .* after the alert/').waitFor({ timeout: 20_000 });
    await card.locator('ol.timeline >> text=alert received (camera 7)').waitFor({ timeout: 20_000 });
    // Who was in the room when it played: the simulated store has one member besides the bridge.
    await card.locator('ol.timeline >> text=announced: 1 headset in the room').waitFor({ timeout: 20_000 });
    // The clip plays from the daemon, which fetched the very bytes the video host serves.
    const clip = page.waitForResponse((r) => r.url().endsWith('/api/v1/alerts/live-1/clip'), { timeout: 20_000 });
    await card.getByRole('button', { name: 'Play clip' }).click();
    const answered = await clip;
    expect([answered.status(), answered.headers()['content-type']]).toEqual([200, 'video/mp4']);
    expect((await answered.body()).equals(world.video.video)).toBe(true);
    // The simulator's clip is an MP4 header and filler, which no browser can decode: the card says so.
    await card.locator('.clip [role=alert]', { hasText: 'The clip could not be played.' }).waitFor({ timeout: 20_000 });

    await card.locator('select').selectOption('false-alarm');
    await card.getByRole('button', { name: 'Resolve' }).click();
    await waitFor(
      async () => (await w?.daemon.journal.incidents.find('live-1'))?.state === 'resolved',
      20_000,
      'resolved from the page',
    );
    expect(await w.daemon.journal.incidents.find('live-1')).toMatchObject({
      outcome: 'false-alarm',
      resolvedBy: 'Anna',
    });
    await card.waitFor({ state: 'detached', timeout: 20_000 });
    await page.close();
  }, 120_000);

  it("a store's person signs in with name and password, sees only their store's incidents and pages, and claims under their own name; a manager sees their two stores", async () => {
    w = await bootWorld({ settings: { BRIDGE_ADMIN_TOKEN: ADMIN } });
    const { base, world } = w;
    const files = ['--env-file', world.envFile, '--stores-file', world.storesFile];
    const added = await runCli(
      ['users', 'add', 'giulia', '--role', 'store', '--stores', 'store-b', '--display-name', 'Giulia R.', ...files],
      {},
      'giulia-password-123\n',
    );
    expect(added.code).toBe(0);
    const page = await signedInAs(base, 'Giulia', 'giulia-password-123');
    const shown = await page.locator('#nav a:visible').allTextContents();
    expect(shown).toEqual(['Live', 'History']);
    expect(await page.locator('#me').isVisible()).toBe(false);
    expect(await page.locator('#whoami').textContent()).toBe('Giulia R. (store)');
    await page.waitForSelector('text=No open or claimed incident', { timeout: 20_000 });

    expect((await w.post({ alert_uuid: 'other-store', location: 'store-c', camera_id: '1' })).status).toBe(200);
    expect((await w.post({ alert_uuid: 'her-store', location: 'store-b', camera_id: '2' })).status).toBe(200);
    const card = page.locator('article[data-alert="her-store"]');
    await card.waitFor({ timeout: 20_000 });
    expect(await page.locator('article[data-alert="other-store"]').count()).toBe(0);
    await card.getByRole('button', { name: 'Claim' }).click();
    await waitFor(
      async () => (await w?.daemon.journal.incidents.find('her-store'))?.state === 'claimed',
      20_000,
      'claimed from the page',
    );
    expect(await w.daemon.journal.incidents.find('her-store')).toMatchObject({ claimedBy: 'Giulia R.' });
    // A page she may not open falls back to Live.
    await page.goto(`${base}/console#/integrations`);
    await page.locator('article[data-alert="her-store"]').waitFor({ timeout: 20_000 });
    await page.close();

    // A manager of two stores sees both, and only those, on Live and on Stores.
    expect(
      (
        await runCli(
          ['users', 'add', 'marco', '--role', 'manager', '--stores', 'store-b,store-c', ...files],
          {},
          'marco-password-123\n',
        )
      ).code,
    ).toBe(0);
    expect((await w.post({ alert_uuid: 'third-store', location: 'store-d', camera_id: '3' })).status).toBe(200);
    const manager = await signedInAs(base, 'marco', 'marco-password-123');
    expect(await manager.locator('#nav a:visible').allTextContents()).toEqual(['Live', 'History', 'Stores']);
    await manager.locator('article[data-alert="other-store"]').waitFor({ timeout: 20_000 });
    await manager.locator('article[data-alert="her-store"]').waitFor({ timeout: 20_000 });
    expect(await manager.locator('article[data-alert="third-store"]').count()).toBe(0);
    await manager.goto(`${base}/console#/stores`);
    await manager.locator('[data-store="store-c"]').waitFor({ timeout: 20_000 });
    expect(
      await manager.locator('[data-store]').evaluateAll((els) => els.map((e) => e.getAttribute('data-store'))),
    ).toEqual(['store-b', 'store-c']);
    // Managers silence; test alerts are the admin's.
    expect(await manager.getByRole('button', { name: 'Silence' }).count()).toBe(2);
    expect(await manager.getByRole('button', { name: 'Test alert' }).count()).toBe(0);
    await manager.close();
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
    for (let i = 0; i < 4; i++)
      expect(
        (
          await fetch(`${base}/console/session`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"token":"wrong-wrong-wrong-wrong"}',
          })
        ).status,
      ).toBe(401);
    const limited = await fetch(`${base}/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: ADMIN }),
    });
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
    await waitFor(async () => (await w?.daemon.journal.incidents.find('csrf-1')) !== undefined, 20_000, 'incident');
    const attempt = (withCsrf: boolean) =>
      page.evaluate(
        async ([csrfOn]) => {
          const session = (await (await fetch('/console/session')).json()) as { csrf: string };
          const res = await fetch('/api/v1/incidents/csrf-1/claim', {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(csrfOn ? { 'x-csrf-token': session.csrf } : {}) },
            body: JSON.stringify({ by: 'Mallory' }),
          });
          return res.status;
        },
        [withCsrf] as const,
      );
    expect(await attempt(false)).toBe(403);
    expect((await w.daemon.journal.incidents.find('csrf-1'))?.state).toBe('open');
    expect(await attempt(true)).toBe(200);
    await page.click('#signout');
    await page.waitForSelector('form.signin', { timeout: 20_000 });
    expect(await page.evaluate(async () => (await fetch('/api/v1/incidents?state=open')).status)).toBe(401);
    await page.close();
  }, 60_000);

  it('a page that was loading when the person signed out does not replace the sign-in form when it arrives', async () => {
    w = await bootWorld({ settings: { BRIDGE_ADMIN_TOKEN: ADMIN } });
    const page = await signedIn(w.base);
    await page.waitForSelector('text=No open or claimed incident', { timeout: 20_000 });
    // The page's reads are answered by the server at once, while still signed in, but handed to
    // the page only after the sign-out: the order a slow network or a busy daemon can give.
    const held: Array<() => Promise<void>> = [];
    await page.route('**/api/v1/**', (r) => {
      const answer = r.fetch();
      held.push(async () => r.fulfill({ response: await answer }));
    });
    await page.click('#nav a[href="#/stores"]');
    await waitFor(async () => held.length > 0, 20_000, 'a page read in flight');
    await page.click('#signout');
    await page.waitForSelector('form.signin', { timeout: 20_000 });
    const answered = held.length;
    await Promise.all(held.map((deliver) => deliver()));
    await page.unroute('**/api/v1/**');
    // Give the page's own handlers time to run on what arrived (a negative check: nothing must change).
    await page.evaluate(() => new Promise((r) => setTimeout(r, 500)));
    expect(answered).toBeGreaterThan(0);
    expect(await page.locator('form.signin').isVisible()).toBe(true);
    expect(await page.locator('#nav').isHidden()).toBe(true);
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

    const titles: Record<string, string> = {
      live: 'Live incidents',
      history: 'History',
      stores: 'Stores',
      integrations: 'Integrations',
      charts: 'Charts',
      audit: 'Audit',
      'alert/quiet-1': 'Alert quiet-1',
    };
    for (const [name, title] of Object.entries(titles)) {
      await page.goto(`${base}/console#/${name}`);
      await page.locator('#main h1', { hasText: title }).waitFor({ timeout: 20_000 });
      if (name === 'charts') await page.locator('canvas').first().waitFor({ timeout: 20_000 });
      const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      expect([name, overflow]).toEqual([name, 0]);
      await page.screenshot({ path: join(SCREENSHOTS, `phone-${name.replace('/', '-')}.png`), fullPage: true });
    }
    // The silence made in the page is in the audit trail, made through the console from this host.
    await page.goto(`${base}/console#/audit`);
    const row = page.locator('#main tr', { hasText: 'POST /api/v1/stores/store-d/silence' });
    await row.waitFor({ timeout: 20_000 });
    expect(await row.innerText()).toMatch(/admin token\s+console\s+127\.0\.0\.1/);
    // Keyboard only: from the page's content, Shift+Tab walks back into the navigation; Enter opens a page.
    await page.goto(`${base}/console#/stores`);
    await page.locator('#main h1', { hasText: 'Stores' }).waitFor({ timeout: 20_000 });
    await page.focus('#main');
    let href: string | null = null;
    for (let i = 0; i < 6 && !href; i++) {
      await page.keyboard.press('Shift+Tab');
      href = (await page.evaluate('document.activeElement && document.activeElement.getAttribute("href")')) as
        | string
        | null;
    }
    expect(href).toBe('#/audit');
    await page.keyboard.press('Shift+Tab'); // Charts
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
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ alert_uuid: 'after-restart', location: 'store-b', camera_id: '5' }),
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
    const signIn = await fetch(`${w.base}/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: ADMIN }),
    });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const { csrf } = (await signIn.json()) as { csrf: string };
    const session = () => fetch(`${w?.base}/console/session`, { headers: { cookie } }).then((r) => r.status);
    expect(await session()).toBe(200);
    expect((await fetch(`${w.base}/console/session/logout`, { method: 'POST', headers: { cookie } })).status).toBe(403); // no CSRF token
    expect(
      (await fetch(`${w.base}/console/session/logout`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf } }))
        .status,
    ).toBe(200);
    expect(await session()).toBe(401);
    await w.daemon.stop();
    const { logger } = capturedLogger(secretValues(w.config.settings));
    const again = new Daemon({ config: w.config, logger, video: w.world.videoSeams, stopDeadlineMs: 2000 });
    await again.start();
    const world = w.world;
    w = undefined;
    try {
      expect(
        await fetch(`http://127.0.0.1:${again.port}/console/session`, { headers: { cookie } }).then((r) => r.status),
      ).toBe(401);
      const api = (token: string) =>
        fetch(`http://127.0.0.1:${again.port}/api/v1/stores`, { headers: { authorization: `Bearer ${token}` } }).then(
          (r) => r.status,
        );
      for (let i = 0; i < 5; i++) expect(await api(`wrong-token-number-${i}-xxxxxxxx`)).toBe(401);
      expect(await api(ADMIN)).toBe(429);
    } finally {
      await again.stop();
      await world.stop();
    }
  }, 60_000);

  /** Hash navigation: the page redraws (a route) without a reload, so what it remembers stays. */
  const visit = async (page: Page, hash: string, title: string) => {
    await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
    await page.locator('#main h1', { hasText: title }).waitFor({ timeout: 20_000 });
  };

  it('names stores (ids in the tooltip); Resolve has no default outcome; a card claimed keeps its place', async () => {
    w = await bootWorld({ settings: { BRIDGE_ADMIN_TOKEN: ADMIN } });
    const page = await signedIn(w.base, 1280);
    await page.waitForSelector('text=No open or claimed incident', { timeout: 20_000 });
    for (const camera of ['1', '2', '3']) {
      expect((await w.post({ alert_uuid: `order-${camera}`, location: 'store-b', camera_id: camera })).status).toBe(
        200,
      );
      await waitFor(
        async () => (await w?.daemon.journal.incidents.find(`order-${camera}`)) !== undefined,
        20_000,
        `incident ${camera}`,
      );
      await new Promise((r) => setTimeout(r, 20)); // distinct openedAt
    }
    const cards = page.locator('article[data-incident]');
    await waitFor(async () => (await cards.count()) === 3, 20_000, 'three cards');
    const heading = page.locator('#main section h2 span');
    expect([await heading.textContent(), await heading.getAttribute('title')]).toEqual(['Store B', 'store-b']);
    expect(await page.locator('#main').innerText()).not.toContain('store-b');
    const order = () => cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-alert')));
    expect(await order()).toEqual(['order-1', 'order-2', 'order-3']);

    // No outcome until one is chosen: the placeholder cannot be picked and Resolve waits for a choice.
    const first = page.locator('article[data-alert="order-1"]');
    const select = first.locator('select');
    expect(await select.locator('option').allTextContents()).toEqual([
      'Choose the outcome…',
      'Theft confirmed',
      'False alarm',
      'Not found',
    ]);
    expect(await select.inputValue()).toBe('');
    expect(await select.locator('option').first().isDisabled()).toBe(true);
    const resolve = first.getByRole('button', { name: 'Resolve' });
    expect(await resolve.isDisabled()).toBe(true);

    // Claimed, the first card stays first; the other two stay where they were.
    await first.getByRole('button', { name: 'Claim' }).click();
    await page.locator('article[data-alert="order-1"] .meta >> text=claimed by').waitFor({ timeout: 20_000 });
    expect(await order()).toEqual(['order-1', 'order-2', 'order-3']);
    await page.locator('article[data-alert="order-2"]').getByRole('button', { name: 'Claim' }).click();
    await page.locator('article[data-alert="order-2"] .meta >> text=claimed by').waitFor({ timeout: 20_000 });
    expect(await order()).toEqual(['order-1', 'order-2', 'order-3']);

    // The page reads its three lists at once: a claim landing between two reads puts the incident
    // in two of them (as here: the open list answered before it, the claimed one after). Its
    // card is shown once, claimed.
    await page.route('**/api/v1/incidents?state=open', async (route) => {
      type List = { incidents: { state: string }[] };
      const open = (await (await route.fetch()).json()) as List;
      const url = route.request().url().replace('state=open', 'state=claimed');
      const claimed = (await (await route.fetch({ url })).json()) as List;
      const stale = claimed.incidents.map((i) => ({ ...i, state: 'open' }));
      await route.fulfill({ json: { incidents: [...open.incidents, ...stale] } });
    });
    await page.locator('#me').focus();
    await visit(page, '#/history', 'History');
    await visit(page, '#/live', 'Live incidents');
    await first.waitFor({ timeout: 20_000 });
    expect(await order()).toEqual(['order-1', 'order-2', 'order-3']);
    await page.locator('article[data-alert="order-1"] .meta >> text=claimed by').waitFor({ timeout: 20_000 });
    await page.unroute('**/api/v1/incidents?state=open');

    // A choice survives a redraw, then Resolve records what was chosen.
    await select.selectOption({ label: 'False alarm' });
    expect(await resolve.isDisabled()).toBe(false);
    await page.locator('#me').focus(); // out of the card: the redraw below is not held back
    await visit(page, '#/history', 'History');
    await visit(page, '#/live', 'Live incidents');
    await first.waitFor({ timeout: 20_000 });
    expect([await select.inputValue(), await resolve.isDisabled()]).toEqual(['false-alarm', false]);
    await resolve.click();
    await waitFor(
      async () => (await w?.daemon.journal.incidents.find('order-1'))?.state === 'resolved',
      20_000,
      'resolved',
    );
    expect((await w.daemon.journal.incidents.find('order-1'))?.outcome).toBe('false-alarm');
    await page.close();
  }, 120_000);

  it('the alert page at 1280 px: no squashed column, no internal path; unroutable alerts labelled; each still asked for once', async () => {
    w = await bootWorld({ settings: { BRIDGE_ADMIN_TOKEN: ADMIN } });
    const page = await signedIn(w.base, 1280);
    await page.setViewportSize({ width: 1280, height: 800 });
    const stillAsks = new Map<string, number>();
    page.on('request', (r) => {
      const m = /\/api\/v1\/alerts\/([^/]+)\/still$/.exec(new URL(r.url()).pathname);
      if (m)
        stillAsks.set(decodeURIComponent(m[1] as string), (stillAsks.get(decodeURIComponent(m[1] as string)) ?? 0) + 1);
    });
    await page.waitForSelector('text=No open or claimed incident', { timeout: 20_000 });
    const ids = ['still-1', 'still-2', 'still-3'];
    for (const [n, id] of ids.entries())
      expect((await w.post({ alert_uuid: id, location: 'store-c', camera_id: String(n + 1) })).status).toBe(200);
    for (const id of ids) await w.finished(id);
    expect((await w.post({ alert_uuid: 'lost-1', location: 'store-nowhere', camera_id: '1' })).body.status).toBe(
      'unroutable',
    );
    const section = page.locator('#main section', { has: page.locator('h2', { hasText: 'Store C' }) });
    await waitFor(async () => (await section.locator('article').count()) === 3, 20_000, 'three cards');

    // Several redraws, by the live feed and by moving between pages: each missing still is asked for once.
    for (let i = 0; i < 4; i++) {
      await visit(page, '#/history', 'History');
      await visit(page, '#/live', 'Live incidents');
      await page.waitForTimeout(300);
    }
    await visit(page, `#/alert/still-1`, 'Alert still-1');
    await visit(page, `#/alert/lost-1`, 'Alert lost-1');
    await visit(page, '#/live', 'Live incidents');
    await page.waitForTimeout(500);
    expect(Object.fromEntries(stillAsks)).toEqual({ 'still-1': 1, 'still-2': 1, 'still-3': 1 });

    // The unroutable alert says why it has no steps, on its page and in History.
    await visit(page, '#/alert/lost-1', 'Alert lost-1');
    expect(await page.locator('#main').innerText()).toContain(
      'No store configured for store-nowhere: kept, replayable',
    );
    await visit(page, '#/history', 'History');
    const lostRow = page.locator('tr', { has: page.locator('a', { hasText: 'lost-1' }) });
    expect(await lostRow.locator('td[data-label="Steps"]').innerText()).toBe(
      'No store configured for store-nowhere: kept, replayable',
    );
    const storeCell = page
      .locator('tr', { has: page.locator('a', { hasText: 'still-1' }) })
      .locator('td[data-label="Store"] span');
    expect([await storeCell.textContent(), await storeCell.getAttribute('title')]).toEqual(['Store C', 'store-c']);

    // The alert page: every heading and short cell holds its words; the announcement is named, not its file.
    await visit(page, '#/alert/still-1', 'Alert still-1');
    await page.locator('#main table').waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(SCREENSHOTS, 'alert-1280.png'), fullPage: true });
    const squashed = await page.evaluate(`[...document.querySelectorAll('#main th, #main td:not(.col-long)')]
      .filter((c) => c.scrollWidth > c.clientWidth).map((c) => c.textContent)`);
    expect(squashed).toEqual([]);
    // No heading wraps: each is one line high.
    const headingLines = (await page.evaluate(`[...document.querySelectorAll('#main th')]
      .map((c) => { const r = document.createRange(); r.selectNodeContents(c); return r.getClientRects().length; })`)) as number[];
    expect(headingLines.every((n) => n <= 1)).toBe(true);
    const text = await page.locator('#main').innerText();
    expect(text).toContain('the announcement audio');
    expect(text).not.toMatch(/\/sounds\/|\/data\/|vb-world-/);
    expect(await page.locator('#main .meta span[title="store-c"]').textContent()).toBe('store Store C');
    expect(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')).toBe(0);
    await page.close();
  }, 120_000);

  it('a sign-in link signs in once, leaves no code in the address, and is refused the second time', async () => {
    w = await bootWorld({ settings: { BRIDGE_ADMIN_TOKEN: ADMIN } });
    const code = signInCode(ADMIN);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${w.base}/console#once=${code}`);
    await page.waitForSelector('#nav:not([hidden])', { timeout: 20_000 });
    expect(page.url()).toBe(`${w.base}/console`); // out of the address, so out of the history
    expect(w.logLines().filter((l) => l.includes(code))).toEqual([]);
    expect(await page.evaluate(async () => (await fetch('/api/v1/stores')).status)).toBe(200);
    await context.close();

    // Spent: a second browser gets the sign-in form and why.
    const again = await browser.newPage();
    await again.goto(`${w.base}/console#once=${code}`);
    await again
      .locator('form.signin [role=alert]', { hasText: 'used already or has expired' })
      .waitFor({ timeout: 20_000 });
    expect(again.url()).toBe(`${w.base}/console`);
    await again.close();

    // A code of another token, or an expired one, opens nothing.
    const post = (once: string) =>
      fetch(`${w?.base}/console/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ once }),
      }).then((r) => r.status);
    expect(await post(signInCode('another-admin-token-0123456789'))).toBe(401);
    expect(await post(signInCode(ADMIN, Date.now() - 2 * 3_600_000))).toBe(401);
  }, 60_000);

  it('without BRIDGE_ADMIN_TOKEN the console is off and says how to turn it on', async () => {
    w = await bootWorld();
    const res = await fetch(`${w.base}/console`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('Set <code>BRIDGE_ADMIN_TOKEN</code>');
  }, 30_000);
});
