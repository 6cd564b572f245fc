import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ChangeFeed } from '../../../src/http/change-feed';
import { ConsoleSessions, SESSION_MS, signInCode } from '../../../src/console/sessions';
import { consoleRouter } from '../../../src/console/console-router';
import { FailureLimiter } from '../../../src/http/failure-limiter';
import { waitFor } from '../../helpers/quiet-logger';

const ADMIN = 'feed-admin-token-0123456789';

interface Stream {
  text: () => string;
  /** Resolves when the server ends the response (or the connection goes). */
  ended: Promise<void>;
  close: () => void;
}

/**
 * The console's change streams and its sessions: a stream opened with a session cookie ends
 * when that session is signed out or expires, and hears nothing more; a stream opened with
 * the admin token, or with another session, goes on.
 */
describe('change streams end with their console session', () => {
  let server: http.Server;
  let port: number;
  let feed: ChangeFeed;
  let now: number;
  /** Whether the journal's writes fail (a database blip). */
  let writesFail: boolean;
  const streams: Stream[] = [];

  beforeEach(async () => {
    now = Date.now();
    writesFail = false;
    // The journal's sessions as a map, its writes failing on demand (the rows are the contract tests').
    const rows = new Map<string, { csrf: string; expiresAt: number; tokenMark: string | null }>();
    const spent = new Set<string>();
    const sessions = new ConsoleSessions(
      ADMIN,
      () => false,
      {
        add: async (r) => {
          if (writesFail) throw new Error('connection terminated');
          rows.set(r.id, { csrf: r.csrf, expiresAt: r.expiresAt, tokenMark: r.tokenMark });
        },
        find: async (id, at) => {
          const r = rows.get(id);
          return r && r.expiresAt > at ? { id, ...r, user: null } : undefined;
        },
        lasting: async (ids, at) =>
          new Map(ids.filter((id) => (rows.get(id)?.expiresAt ?? 0) > at).map((id) => [id, null] as const)),
        remove: async (id) => {
          if (writesFail) throw new Error('connection terminated');
          return rows.delete(id);
        },
      },
      {
        has: (id) => spent.has(id),
        add: async (id) => {
          if (writesFail) throw new Error('connection terminated');
          if (spent.has(id)) return false;
          spent.add(id);
          return true;
        },
      },
      () => now,
    );
    feed = new ChangeFeed();
    const app = express();
    app.use(
      consoleRouter({
        adminToken: ADMIN,
        sessions,
        limiter: new FailureLimiter(),
        users: { get: async () => undefined, passwordHash: async () => undefined, upsertSso: async () => false },
      }),
    );
    app.use(feed.router({ adminToken: ADMIN, sessions }));
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    feed.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const signIn = async (): Promise<{ cookie: string; csrf: string }> => {
    const res = await fetch(`http://127.0.0.1:${port}/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: ADMIN }),
    });
    expect(res.status).toBe(200);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    return { cookie, csrf: ((await res.json()) as { csrf: string }).csrf };
  };
  const open = async (headers: Record<string, string>): Promise<Stream> => {
    let text = '';
    let request: http.ClientRequest | undefined;
    const ended = new Promise<void>((resolve, reject) => {
      request = http.get({ host: '127.0.0.1', port, path: '/api/v1/events/stream', headers }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`stream answered ${res.statusCode}`));
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.once('end', () => resolve());
        res.once('close', () => resolve());
      });
      request.once('error', () => resolve());
    });
    const stream = { text: () => text, ended, close: () => request?.destroy() };
    streams.push(stream);
    await waitFor(() => text.includes('event: hello'), 10_000, 'the stream opened');
    return stream;
  };
  const changes = (s: Stream, kind: string) =>
    s
      .text()
      .split('\n')
      .filter((l) => l.startsWith('data: ') && l.includes(`"${kind}"`)).length;
  const within = (p: Promise<void>, ms: number, what: string) =>
    Promise.race([
      p,
      new Promise<never>((_r, reject) =>
        setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref(),
      ),
    ]);

  it("signing out ends that session's stream at once; the admin token's and another session's go on", async () => {
    const anna = await signIn();
    const ben = await signIn();
    const annaStream = await open({ cookie: anna.cookie });
    const benStream = await open({ cookie: ben.cookie });
    const tokenStream = await open({ authorization: `Bearer ${ADMIN}` });
    expect(feed.clients).toBe(3);
    feed.publish('incident');
    await waitFor(
      () => [annaStream, benStream, tokenStream].every((s) => changes(s, 'incident') === 1),
      10_000,
      'every stream hears a change',
    );

    const out = await fetch(`http://127.0.0.1:${port}/console/session/logout`, {
      method: 'POST',
      headers: { cookie: anna.cookie, 'x-csrf-token': anna.csrf },
    });
    expect(out.status).toBe(200);
    await within(annaStream.ended, 5_000, 'the signed-out stream ends');
    expect(feed.clients).toBe(2);

    feed.publish('store');
    await waitFor(
      () => changes(benStream, 'store') === 1 && changes(tokenStream, 'store') === 1,
      10_000,
      'the other streams hear on',
    );
    expect(changes(annaStream, 'store')).toBe(0);
    // And it cannot be opened again with that cookie.
    expect(
      (await fetch(`http://127.0.0.1:${port}/api/v1/events/stream`, { headers: { cookie: anna.cookie } })).status,
    ).toBe(401);
  });

  it('a change already waiting to be sent is not sent after the sign-out', async () => {
    const anna = await signIn();
    const stream = await open({ cookie: anna.cookie });
    feed.publish('step'); // coalesced: it would go out a moment later
    const out = await fetch(`http://127.0.0.1:${port}/console/session/logout`, {
      method: 'POST',
      headers: { cookie: anna.cookie, 'x-csrf-token': anna.csrf },
    });
    expect(out.status).toBe(200);
    await within(stream.ended, 5_000, 'the signed-out stream ends');
    const before = stream.text();
    await new Promise((r) => setTimeout(r, 500));
    expect(stream.text()).toBe(before);
  });

  it("a session's stream ends when the session expires; the admin token's goes on", async () => {
    const anna = await signIn();
    const stream = await open({ cookie: anna.cookie });
    const tokenStream = await open({ authorization: `Bearer ${ADMIN}` });
    now += SESSION_MS + 1;
    await within(stream.ended, 10_000, "the expired session's stream ends");
    expect(feed.clients).toBe(1);
    feed.publish('incident');
    await waitFor(() => changes(tokenStream, 'incident') === 1, 10_000, "the token's stream hears on");
    expect(changes(stream, 'incident')).toBe(0);
  });

  it('a stream opened with both the admin token and a cookie belongs to the token, not the session', async () => {
    const anna = await signIn();
    const stream = await open({ authorization: `Bearer ${ADMIN}`, cookie: anna.cookie });
    const out = await fetch(`http://127.0.0.1:${port}/console/session/logout`, {
      method: 'POST',
      headers: { cookie: anna.cookie, 'x-csrf-token': anna.csrf },
    });
    expect(out.status).toBe(200);
    feed.publish('store');
    await waitFor(() => changes(stream, 'store') === 1, 10_000, "the token's stream hears on");
    expect(feed.clients).toBe(1);
  });

  it('a sign-out the journal could not record is an error: the session and its stream go on, and signing out again works', async () => {
    const anna = await signIn();
    const stream = await open({ cookie: anna.cookie });
    writesFail = true;
    const logout = () =>
      fetch(`http://127.0.0.1:${port}/console/session/logout`, {
        method: 'POST',
        headers: { cookie: anna.cookie, 'x-csrf-token': anna.csrf },
      });
    const failed = await logout();
    expect(failed.status).toBe(503);
    expect(((await failed.json()) as { error: string }).error).toMatch(/not signed out/);
    expect(failed.headers.get('set-cookie')).toBeNull();
    feed.publish('store');
    await waitFor(() => changes(stream, 'store') === 1, 10_000, 'the stream hears on');

    writesFail = false;
    expect((await logout()).status).toBe(200);
    await within(stream.ended, 5_000, 'the signed-out stream ends');
  });

  it('a sign-in link the journal could not mark spent lets nobody in, and works once it can', async () => {
    const code = signInCode(ADMIN, now);
    const redeem = () =>
      fetch(`http://127.0.0.1:${port}/console/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ once: code }),
      });
    writesFail = true;
    const failed = await redeem();
    expect(failed.status).toBe(503);
    expect(failed.headers.get('set-cookie')).toBeNull();
    writesFail = false;
    expect((await redeem()).status).toBe(200);
    expect((await redeem()).status).toBe(401);
  });
});
