import express, { type Request, type Response, type Router } from 'express';
import { userFromClaims, type ClaimNames } from './oidc-claims';
import { cookieValue, type ConsoleSessions } from './sessions';
import type { JournalUsers } from '../journal/users';
import type { Logger } from '../log/logger';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  claims: ClaimNames;
  /** As registered at the provider; absent: made from each request (scheme and Host). */
  redirectUri?: string | undefined;
}

export interface OidcDeps {
  settings: OidcSettings;
  sessions: ConsoleSessions;
  users: Pick<JournalUsers, 'upsertSso'>;
  logger: Logger;
}

type OpenIdClient = typeof import('openid-client');
type Configuration = import('openid-client').Configuration;

/**
 * openid-client is an ES module: loaded with the runtime's own import(), which TypeScript's
 * CommonJS output would otherwise turn into a require() that cannot load it.
 */
const importEsm = new Function('name', 'return import(name)') as (name: string) => Promise<OpenIdClient>;

const PENDING_COOKIE = 'vb_oidc';
/** How long the provider's sign-in page may take. */
const PENDING_MS = 10 * 60_000;

/**
 * Single sign-on for the console: OpenID Connect's authorization code flow with PKCE (and state
 * and nonce) through openid-client. `GET /console/oidc/start` sends the browser to the provider;
 * `GET /console/oidc/callback` takes the code, checks the ID token, and signs the person in with
 * the role and stores the provider's claims give (refused without a role). What the browser must
 * bring back (verifier, state, nonce) travels in a short-lived sealed cookie, so any daemon
 * behind the same address can finish a sign-in another one began.
 */
export function oidcRouter(deps: OidcDeps): Router {
  const router = express.Router();
  const { settings, sessions, logger } = deps;
  let found: Promise<{ client: OpenIdClient; config: Configuration }> | undefined;
  const discover = () => {
    found ??= (async () => {
      const client = await importEsm('openid-client');
      const issuer = new URL(settings.issuer);
      const config = await client.discovery(
        issuer,
        settings.clientId,
        undefined,
        client.ClientSecretBasic(settings.clientSecret),
        // Plain http only for a provider on this host (the settings refuse it elsewhere).
        issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : undefined,
      );
      return { client, config };
    })();
    // A provider that did not answer is asked again at the next sign-in.
    found.catch(() => (found = undefined));
    return found;
  };
  const callbackUrl = (req: Request) =>
    settings.redirectUri ?? `${req.protocol}://${req.get('host')}/console/oidc/callback`;

  router.get('/console/oidc/start', async (req: Request, res: Response) => {
    let provider: Awaited<ReturnType<typeof discover>>;
    try {
      provider = await discover();
    } catch (err) {
      logger.warn('single sign-on: the OpenID provider could not be read', { issuer: settings.issuer, err });
      return page(res, 502, 'The sign-in provider did not answer. Try again in a moment, or sign in with a password.');
    }
    const { client, config } = provider;
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const redirect = callbackUrl(req);
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirect,
      scope: 'openid profile',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const sealed = sessions.seal({ verifier, state, nonce, redirect }, PENDING_MS);
    res.setHeader('Set-Cookie', pendingCookie(sealed, PENDING_MS / 1000, req.secure));
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, url.href);
  });

  router.get('/console/oidc/callback', async (req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    const pending = sessions.open(cookieValue(req.headers.cookie, PENDING_COOKIE) ?? '') as
      | { verifier?: unknown; state?: unknown; nonce?: unknown; redirect?: unknown }
      | undefined;
    const clear = pendingCookie('', 0, req.secure);
    if (
      !pending ||
      typeof pending.verifier !== 'string' ||
      typeof pending.state !== 'string' ||
      typeof pending.nonce !== 'string' ||
      typeof pending.redirect !== 'string'
    ) {
      res.setHeader('Set-Cookie', clear);
      return page(res, 400, 'This sign-in has expired or was begun elsewhere: start again from the console.');
    }
    let claims: Record<string, unknown>;
    try {
      const { client, config } = await discover();
      const query = new URL(req.originalUrl, 'http://x').search;
      const tokens = await client.authorizationCodeGrant(config, new URL(`${pending.redirect}${query}`), {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims() as Record<string, unknown> | undefined;
      if (!idClaims) throw new Error('no ID token');
      // The role and stores may come with the ID token or only from userinfo.
      const info = await client.fetchUserInfo(config, tokens.access_token, String(idClaims.sub));
      claims = { ...(info as Record<string, unknown>), ...idClaims };
    } catch (err) {
      res.setHeader('Set-Cookie', clear);
      logger.warn('single sign-on: a sign-in was refused by the checks', { err });
      return page(
        res,
        401,
        "The sign-in could not be completed (the bridge's log says why). Start again from the console.",
      );
    }
    const user = userFromClaims(claims, settings.claims);
    if ('refused' in user) {
      res.setHeader('Set-Cookie', clear);
      logger.warn('single sign-on: refused', { why: user.refused });
      return page(res, 403, `You are not let in: ${user.refused}. Ask whoever manages your account.`);
    }
    try {
      if (!(await deps.users.upsertSso({ ...user, createdAt: Date.now() })))
        return page(
          res,
          409,
          `A user named ${user.name} exists with a password: single sign-on does not take it over.`,
        );
      const made = await sessions.create(user);
      res.setHeader('Set-Cookie', [clear, made.cookie]);
    } catch {
      return page(res, 503, 'The journal did not answer: you could not be signed in. Try again in a moment.');
    }
    res.redirect(303, '/console');
  });
  return router;
}

function pendingCookie(value: string, maxAgeS: number, secure: boolean): string {
  // Lax, not Strict: the provider sends the browser back here from its own site.
  return `${PENDING_COOKIE}=${value}; Path=/console/oidc; HttpOnly; SameSite=Lax; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`;
}

/** A short page for the browser: the text escaped, a way back. */
function page(res: Response, status: number, text: string): void {
  const escaped = text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  res
    .status(status)
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>veesion-bridge: sign-in</title></head><body><p role="alert">${escaped}</p><p><a href="/console">Back to the console</a></p></body></html>`,
    );
}
