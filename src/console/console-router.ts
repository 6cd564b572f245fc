import express, { type Request, type Response, type Router } from 'express';
import { clientAddress } from '../http/client-address';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { tokenMatches } from '../http/token';
import type { ConsoleSessions } from './sessions';
import { randomBytes } from 'node:crypto';
import { csrfMatches, jsonObjectBody, type ConsoleSession } from '../http/admin-auth';
import type { SessionUser } from '../journal/console-sessions';
import type { JournalUsers } from '../journal/users';
import { PASSWORD_MAX, hashPassword, verifyPassword } from './passwords';
import { oidcRouter, type OidcSettings } from './oidc';
import type { Logger } from '../log/logger';
import { FailureLimiter } from '../http/failure-limiter';

/** The files the console is made of, and their types; nothing else is served. */
const ASSETS: Record<string, string> = {
  // The page's script and the ES modules it imports.
  'console.js': 'text/javascript; charset=utf-8',
  'action.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'card-extras.js': 'text/javascript; charset=utf-8',
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

/** Wrong passwords an address may send per five minutes, whatever the user names (a store's staff share one). */
const PASSWORD_FAILURES_PER_ADDRESS = 20;
/** Wrong passwords for one user name per five minutes, from wherever they come. */
const PASSWORD_FAILURES_PER_USER = 20;

/** No CDN, no inline code: the page may load only what this daemon serves. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export interface ConsoleDeps {
  /** BRIDGE_ADMIN_TOKEN; absent: the console is off and says how to turn it on. */
  adminToken: string | undefined;
  sessions: ConsoleSessions | undefined;
  /** Shared with the admin routes' Bearer check: wrong tokens count wherever they are tried. */
  limiter: FailureLimiter;
  /** Who signs in with a name and a password, and the people single sign-on adds. */
  users: Pick<JournalUsers, 'get' | 'passwordHash' | 'upsertSso'>;
  /** Single sign-on (absent: names and passwords, and the admin token). */
  oidc?: OidcSettings | undefined;
  logger?: Logger | undefined;
}

/**
 * `GET /console`: the operator console, a page and its assets served from the package, signed
 * in as a user (`veesion-bridge users add`) with a name and password, or with BRIDGE_ADMIN_TOKEN
 * as the break-glass admin (or once with a sign-in link's code). Signing in gives a session
 * cookie (HttpOnly, SameSite=Strict, Secure under TLS, 12 h); the page then calls the admin API
 * with it and its CSRF token, and the API answers within the user's role and stores. Failed
 * sign-ins are limited per address and per user name.
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
  const pairFailures = new FailureLimiter();
  const userFailures = new FailureLimiter(Date.now, PASSWORD_FAILURES_PER_USER);
  const passwordFailures = new FailureLimiter(Date.now, PASSWORD_FAILURES_PER_ADDRESS);
  router.post('/console/session', ...jsonObjectBody(), async (req: Request, res: Response) => {
    if (!sessions || !token) return void res.status(503).json({ error: 'the console is off: set BRIDGE_ADMIN_TOKEN' });
    const body = req.body as { token?: unknown; once?: unknown; user?: unknown; password?: unknown };
    const address = clientAddress(req);
    const byPassword = body.user !== undefined;
    // A password counts its failures per user name and address (5), and more loosely per user
    // name alone and per address: one person's typos lock out neither the other users nor the
    // admin token behind a shared address, a stranger's guesses lock the person out only after
    // many, and one user's password cannot be guessed from many addresses. The admin token and
    // sign-in links count per address, as the admin routes' Bearer token does.
    const userKey = typeof body.user === 'string' ? body.user.trim().toLowerCase() : '';
    const pair = `${userKey}\n${address}`;
    const wait = byPassword
      ? Math.max(pairFailures.blockedFor(pair), userFailures.blockedFor(userKey), passwordFailures.blockedFor(address))
      : deps.limiter.blockedFor(address);
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      return void res.status(429).json({ error: `too many failed sign-ins: try again in ${wait} s` });
    }
    const failed = (error: string) => {
      if (byPassword) {
        pairFailures.failed(pair);
        userFailures.failed(userKey);
        passwordFailures.failed(address);
      } else deps.limiter.failed(address);
      res.status(401).json({ error });
    };
    let user: SessionUser | null = null;
    if (byPassword) {
      if (typeof body.user !== 'string' || typeof body.password !== 'string' || body.token !== undefined)
        return void res.status(400).json({ error: 'sign in with {"user", "password"} or with {"token"}' });
      let found: SessionUser | undefined;
      try {
        found = await signInUser(deps.users, body.user.trim().toLowerCase(), body.password);
      } catch {
        return void res.status(503).json({ error: JOURNAL_DOWN('you could not be signed in') });
      }
      if (!found) return failed('wrong user name or password');
      user = found;
    } else if (typeof body.once === 'string' && body.token === undefined) {
      // A one-time code from a sign-in link (the page reads it from the link's #fragment, which
      // browsers never send: the code reaches no request line and no log).
      let spent: boolean;
      try {
        spent = await sessions.redeem(body.once);
      } catch {
        // Not let in on a code the other daemons would not know was spent; the link stays usable.
        return void res.status(503).json({ error: JOURNAL_DOWN('the sign-in link could not be checked') });
      }
      if (!spent) return failed('this sign-in link was used already or has expired: sign in with the admin token');
    } else if (typeof body.token !== 'string' || !tokenMatches(body.token, token)) {
      return failed('wrong admin token');
    }
    let made: { cookie: string; csrf: string };
    try {
      made = await sessions.create(user);
    } catch {
      return void res.status(503).json({ error: JOURNAL_DOWN('you could not be signed in') });
    }
    res.setHeader('Set-Cookie', made.cookie);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ signedIn: true, csrf: made.csrf, who: who(user) });
  });

  router.get('/console/session', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    let session: ConsoleSession | undefined;
    try {
      session = sessions ? await sessions.session(req) : undefined;
    } catch {
      return void res.status(503).json({ error: JOURNAL_DOWN('your session could not be checked') });
    }
    if (!session)
      return void res
        .status(401)
        .json({ signedIn: false, ...(token ? {} : { off: true }), ...(deps.oidc && sessions ? { sso: true } : {}) });
    res.json({ signedIn: true, csrf: session.csrf, who: who(session.user) });
  });

  if (deps.oidc && sessions && deps.logger)
    router.use(oidcRouter({ settings: deps.oidc, sessions, users: deps.users, logger: deps.logger }));

  router.post('/console/session/logout', async (req, res) => {
    if (!sessions) return void res.status(503).json({ error: 'the console is off' });
    try {
      const session = await sessions.session(req);
      if (!session || !csrfMatches(session, req))
        return void res.status(403).json({ error: 'missing or wrong X-CSRF-Token' });
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

/** What the page is told of whom it signed in: what it shows and which pages it offers. */
function who(user: SessionUser | null): { name: string; displayName: string | null; role: string; stores: string[] } {
  return user
    ? { name: user.name, displayName: user.displayName, role: user.role, stores: user.stores }
    : { name: 'admin token', displayName: null, role: 'admin', stores: [] };
}

/** Hashed once, so an unknown name costs a sign-in as long as a wrong password does. */
let decoy: Promise<string> | undefined;

/** The user whose password this is, or undefined (no such user, or a wrong password). */
async function signInUser(
  users: ConsoleDeps['users'],
  name: string,
  password: string,
): Promise<SessionUser | undefined> {
  if (password.length > PASSWORD_MAX) return undefined;
  const hash = await users.passwordHash(name);
  decoy ??= hashPassword(randomBytes(18).toString('base64url'));
  // No hash to check (no such user, or one who signs in elsewhere): the decoy's cost all the same.
  const usable = hash?.startsWith('scrypt$') ? hash : undefined;
  const matches = await verifyPassword(password, usable ?? (await decoy));
  if (!usable || !matches) return undefined;
  const user = await users.get(name);
  return user && { name: user.name, displayName: user.displayName, role: user.role, stores: user.stores };
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
