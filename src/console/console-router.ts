import express, { type Request, type Response, type Router } from 'express';
import { clientAddress } from '../http/client-address';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { tokenMatches } from '../http/token';
import { jsonObjectBody } from '../http/admin-auth';
import type { ConsoleSessions } from './sessions';
import type { FailureLimiter } from '../http/failure-limiter';

/** The files the console is made of, and their types; nothing else is served. */
const ASSETS: Record<string, string> = {
  // The page's script and the ES modules it imports.
  'console.js': 'text/javascript; charset=utf-8',
  'action.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'dom.js': 'text/javascript; charset=utf-8',
  'known.js': 'text/javascript; charset=utf-8',
  'page-alerts.js': 'text/javascript; charset=utf-8',
  'page-audit.js': 'text/javascript; charset=utf-8',
  'page-charts.js': 'text/javascript; charset=utf-8',
  'page-live.js': 'text/javascript; charset=utf-8',
  'page-stores.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
  'chart.umd.min.js': 'text/javascript; charset=utf-8',
};

/** No CDN, no inline code: the page may load only what this daemon serves. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export interface ConsoleDeps {
  /** BRIDGE_ADMIN_TOKEN; absent: the console is off and says how to turn it on. */
  adminToken: string | undefined;
  sessions: ConsoleSessions | undefined;
  /** Shared with the admin routes' Bearer check: wrong tokens count wherever they are tried. */
  limiter: FailureLimiter;
}

/**
 * `GET /console`: the operator console, a page and its assets served from the
 * package, signed in with BRIDGE_ADMIN_TOKEN (or once with a sign-in link's code). Signing in
 * gives a session cookie (HttpOnly, SameSite=Strict, Secure under TLS, 12 h); the page then
 * calls the admin API with it and its CSRF token. Failed sign-ins are limited per address.
 */
export function consoleRouter(deps: ConsoleDeps): Router {
  const router = express.Router();
  const files = assetFiles();
  const headers = (res: Response) => {
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
  };

  router.get('/console', (_req, res) => {
    headers(res);
    res.setHeader('Cache-Control', 'no-store');
    if (!deps.adminToken) return void res.status(503).type('html').send(OFF_PAGE);
    res.type('html').send(files.page());
  });

  router.get('/console/assets/:file', (req, res) => {
    const name = String(req.params.file);
    const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!type) return void res.status(404).json({ error: 'not found' });
    headers(res);
    res.setHeader('Cache-Control', 'no-cache');
    res.type(type).send(files.asset(name));
  });

  const sessions = deps.sessions;
  const token = deps.adminToken;
  router.post('/console/session', ...jsonObjectBody(), async (req: Request, res: Response) => {
    if (!sessions || !token) return void res.status(503).json({ error: 'the console is off: set BRIDGE_ADMIN_TOKEN' });
    const address = clientAddress(req);
    const wait = deps.limiter.blockedFor(address);
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      return void res.status(429).json({ error: `too many failed sign-ins from this address: try again in ${wait} s` });
    }
    // The admin token, or a one-time code from a sign-in link (the page reads it from the link's
    // #fragment, which browsers never send: the code reaches no request line and no log).
    const body = req.body as { token?: unknown; once?: unknown };
    if (typeof body.once === 'string' && body.token === undefined) {
      let spent: boolean;
      try {
        spent = await sessions.redeem(body.once);
      } catch {
        // Not let in on a code the other daemons would not know was spent; the link stays usable.
        return void res.status(503).json({ error: JOURNAL_DOWN('the sign-in link could not be checked') });
      }
      if (!spent) {
        deps.limiter.failed(address);
        return void res
          .status(401)
          .json({ error: 'this sign-in link was used already or has expired: sign in with the admin token' });
      }
    } else if (typeof body.token !== 'string' || !tokenMatches(body.token, token)) {
      deps.limiter.failed(address);
      return void res.status(401).json({ error: 'wrong admin token' });
    }
    const { cookie, csrf } = sessions.create();
    res.setHeader('Set-Cookie', cookie);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ signedIn: true, csrf });
  });

  router.get('/console/session', (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const csrf = sessions?.csrf(req);
    if (csrf === undefined) return void res.status(401).json({ signedIn: false, ...(token ? {} : { off: true }) });
    res.json({ signedIn: true, csrf });
  });

  router.post('/console/session/logout', async (req, res) => {
    if (!sessions) return void res.status(503).json({ error: 'the console is off' });
    if (!sessions.csrfMatches(req)) return void res.status(403).json({ error: 'missing or wrong X-CSRF-Token' });
    try {
      await sessions.revoke(req);
    } catch {
      // The session is still valid (on the other daemons at least): the cookie stays, to try again.
      return void res.status(503).json({ error: JOURNAL_DOWN('you are not signed out') });
    }
    res.setHeader('Set-Cookie', sessions.clearCookie());
    res.json({ signedIn: false });
  });
  return router;
}

/** What a browser is told when the journal could not record a sign-out or a spent sign-in code. */
const JOURNAL_DOWN = (what: string) => `${what}: the journal did not answer; try again in a moment`;

/** The page and its assets: from src/console/assets (checkout, tests) or beside the build (package). */
function assetFiles(): { page: () => string; asset: (name: string) => Buffer } {
  const dir = [resolve(__dirname, 'assets'), resolve(__dirname, '../../../src/console/assets')].find((d) =>
    existsSync(join(d, 'index.html')),
  );
  // chart.js exports no subpaths: its UMD build sits beside its main file.
  const chart = join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');
  const cache = new Map<string, Buffer>();
  const read = (name: string): Buffer => {
    let b = cache.get(name);
    if (!b) {
      if (!dir) throw new Error('console assets not found: reinstall veesion-bridge');
      b = readFileSync(name === 'chart.umd.min.js' ? chart : join(dir, name));
      cache.set(name, b);
    }
    return b;
  };
  return { page: () => read('index.html').toString('utf8'), asset: read };
}

const OFF_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>veesion-bridge console: off</title></head>
<body><h1>The console is off</h1><p>Set <code>BRIDGE_ADMIN_TOKEN</code> (16 characters or more) in <code>env.custom.ini</code> and restart the bridge
(<code>systemctl restart veesion-bridge</code>), then sign in here with that token.</p></body></html>`;
