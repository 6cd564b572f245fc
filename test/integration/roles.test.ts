import http from 'node:http';
import { existsSync } from 'node:fs';
import { bootWorld, STORES, type World } from '../helpers/world';
import { CLI, runCli } from '../helpers/cli';
import { waitFor } from '../helpers/quiet-logger';

const ADMIN = 'admin-token-for-the-role-tests-0123';
const A = STORES[0]!.store_veesion_id; // `!`: STORES has 4
const B = STORES[1]!.store_veesion_id;

/** The people of the table: each signs in to the console and acts with its session. */
const PEOPLE = {
  admin: { role: 'admin', stores: [] as string[] },
  manager: { role: 'manager', stores: [] as string[] },
  managerA: { role: 'manager', stores: [A] },
  storeA: { role: 'store', stores: [A] },
} as const;
type Who = keyof typeof PEOPLE;

interface Session {
  cookie: string;
  csrf: string;
}

/**
 * Users with roles scoped to their stores, against the real daemon and the simulators: each
 * role against every admin route, in and out of its stores (a table: role x route -> let in or
 * refused), the lists and the change stream narrowed to the person's stores, claims recorded
 * under the signed-in person's name, and sessions ended by a new password or a removed user.
 * The requests carry X-Forwarded-For, as a browser's through the shipped nginx would: from this
 * host directly, /readyz and /metrics answer anyone, by design.
 */
describe('roles and stores', () => {
  let w: World;
  const sessions = {} as Record<Who, Session>;
  const passwords = {} as Record<Who, string>;
  let files: string[];
  /** An alert and its incident in store A, and in store B. */
  const alerts: Record<string, { alertId: string; incidentId: string }> = {};

  const cli = (args: string[], input = '') => runCli([...args, ...files], {}, input);

  const signIn = async (body: Record<string, string>) => {
    const res = await fetch(`${w.base}/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.7' },
      body: JSON.stringify(body),
    });
    const data = (await res.json()) as { csrf?: string; who?: Record<string, unknown>; error?: string };
    return {
      status: res.status,
      data,
      session: { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '', csrf: data.csrf ?? '' },
    };
  };

  const call = async (who: Session | 'token' | 'nobody', method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = { 'x-forwarded-for': '198.51.100.7' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (who === 'token') headers.authorization = `Bearer ${ADMIN}`;
    else if (who !== 'nobody') {
      headers.cookie = who.cookie;
      headers['x-csrf-token'] = who.csrf;
    }
    const res = await fetch(`${w.base}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // /metrics answers text
    }
    return { status: res.status, body: json };
  };

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error('dist/ missing: run `npm test` (it builds first)');
    w = await bootWorld({ settings: { BRIDGE_ADMIN_TOKEN: ADMIN } });
    files = ['--env-file', w.world.envFile, '--stores-file', w.world.storesFile];
    for (const [who, p] of Object.entries(PEOPLE) as [Who, (typeof PEOPLE)[Who]][]) {
      const added = await cli([
        'users',
        'add',
        who,
        '--role',
        p.role,
        '--display-name',
        `${who} person`,
        '--generate',
        ...(p.stores.length ? ['--stores', p.stores.join(',')] : []),
      ]);
      expect(added.code).toBe(0);
      const password = /^\s*password:\s*(\S+)\s*$/im.exec(added.stdout)?.[1];
      if (!password) throw new Error(`no generated password in: ${added.stdout}`);
      passwords[who] = password;
      const signed = await signIn({ user: who.toUpperCase(), password });
      expect(signed.status).toBe(200);
      expect(signed.data.who).toEqual({
        name: who.toLowerCase(),
        displayName: `${who} person`,
        role: p.role,
        stores: p.stores,
      });
      sessions[who] = signed.session;
    }
    for (const store of [A, B]) {
      const sent = await call('token', 'POST', `/api/v1/stores/${store}/test-alert`, {});
      expect(sent.status).toBe(200);
      const alertId = sent.body.alertId as string;
      await waitFor(
        async () => Boolean((await call('token', 'GET', `/api/v1/alerts/${alertId}`)).body.incident),
        20_000,
        `the incident of ${store}`,
      );
      const detail = await call('token', 'GET', `/api/v1/alerts/${alertId}`);
      alerts[store] = { alertId, incidentId: (detail.body.incident as { id: string }).id };
    }
  }, 60_000);
  afterAll(async () => {
    await w?.stop();
  });

  type Row = [method: string, path: () => string, body: unknown, allowed: readonly Who[]];
  const ALL: readonly Who[] = ['admin', 'manager', 'managerA', 'storeA'];
  const EVERY_STORE: readonly Who[] = ['admin', 'manager'];
  const MANAGERS_OF_A: readonly Who[] = ['admin', 'manager', 'managerA'];
  const ADMIN_ONLY: readonly Who[] = ['admin'];
  const a = () => alerts[A]!;
  const b = () => alerts[B]!;
  const TABLE: Row[] = [
    ['GET', () => '/api/v1/incidents', undefined, ALL],
    ['GET', () => '/api/v1/alerts', undefined, ALL],
    ['GET', () => `/api/v1/alerts?store=${A}`, undefined, ALL],
    ['GET', () => `/api/v1/alerts?store=${B}`, undefined, EVERY_STORE],
    ['GET', () => `/api/v1/alerts/${a().alertId}`, undefined, ALL],
    ['GET', () => `/api/v1/alerts/${b().alertId}`, undefined, EVERY_STORE],
    ['GET', () => `/api/v1/alerts/${a().alertId}/still`, undefined, ALL],
    ['GET', () => `/api/v1/alerts/${b().alertId}/still`, undefined, EVERY_STORE],
    ['GET', () => `/api/v1/alerts/${a().alertId}/clip`, undefined, ALL],
    ['GET', () => `/api/v1/alerts/${b().alertId}/clip`, undefined, EVERY_STORE],
    ['GET', () => `/api/v1/incidents/${a().incidentId}`, undefined, ALL],
    ['GET', () => `/api/v1/incidents/${b().alertId}`, undefined, EVERY_STORE],
    ['POST', () => `/api/v1/incidents/${b().incidentId}/resolve`, { outcome: 'false-alarm' }, EVERY_STORE],
    ['POST', () => `/api/v1/incidents/${b().alertId}/claim`, { by: 'Someone' }, EVERY_STORE],
    ['GET', () => '/api/v1/stores', undefined, ALL],
    ['POST', () => `/api/v1/stores/${A}/silence`, { minutes: 1 }, MANAGERS_OF_A],
    ['DELETE', () => `/api/v1/stores/${A}/silence`, undefined, MANAGERS_OF_A],
    ['POST', () => `/api/v1/stores/${B}/silence`, { minutes: 1 }, EVERY_STORE],
    ['DELETE', () => `/api/v1/stores/${B}/silence`, undefined, EVERY_STORE],
    ['POST', () => `/api/v1/stores/${A}/say`, { text: 'Hello' }, MANAGERS_OF_A],
    ['POST', () => `/api/v1/stores/${B}/say`, { text: 'Hello' }, EVERY_STORE],
    ['POST', () => `/api/v1/stores/${A}/test-alert`, {}, ADMIN_ONLY],
    ['POST', () => `/api/v1/alerts/${a().alertId}/replay`, { force: true }, ADMIN_ONLY],
    ['GET', () => '/api/v1/stats', undefined, ADMIN_ONLY],
    ['GET', () => '/api/v1/integrations', undefined, ADMIN_ONLY],
    ['POST', () => '/api/v1/integrations/nope/test', undefined, ADMIN_ONLY],
    ['GET', () => '/api/v1/audit', undefined, ADMIN_ONLY],
    ['GET', () => '/metrics', undefined, ADMIN_ONLY],
    ['GET', () => '/readyz', undefined, ADMIN_ONLY],
    ['GET', () => '/somewhere-else', undefined, ADMIN_ONLY],
  ];

  it.each(TABLE)('%s %p: let in for its roles and stores, 403 for the others', async (method, path, body, allowed) => {
    for (const who of ALL) {
      const answer = await call(sessions[who], method, path(), body);
      const why = `${who} ${method} ${path()} -> ${answer.status} ${JSON.stringify(answer.body)}`;
      if (allowed.includes(who)) expect([why, answer.status === 401 || answer.status === 403]).toEqual([why, false]);
      else expect([why, answer.status]).toEqual([why, 403]);
    }
    // Nobody signed in is refused everywhere; /healthz alone answers anyone.
    expect((await call('nobody', method, path(), body)).status).toBeGreaterThanOrEqual(401);
    expect((await call('nobody', method, path(), body)).status).toBeLessThanOrEqual(403);
  });

  it("narrows the lists to the person's stores", async () => {
    const incidentStores = async (who: Who) =>
      new Set(
        ((await call(sessions[who], 'GET', '/api/v1/incidents')).body.incidents as { storeId: string }[]).map(
          (i) => i.storeId,
        ),
      );
    const alertStores = async (who: Who) =>
      new Set(
        ((await call(sessions[who], 'GET', '/api/v1/alerts')).body.alerts as { storeId: string }[]).map(
          (x) => x.storeId,
        ),
      );
    const storeIds = async (who: Who) =>
      ((await call(sessions[who], 'GET', '/api/v1/stores')).body.stores as { store_veesion_id: string }[]).map(
        (s) => s.store_veesion_id,
      );
    for (const who of ['managerA', 'storeA'] as const) {
      expect(await alertStores(who)).toEqual(new Set([A]));
      expect([...(await incidentStores(who))].every((s) => s === A)).toBe(true);
      expect(await storeIds(who)).toEqual([A]);
    }
    expect(await alertStores('manager')).toEqual(new Set([A, B]));
    expect(await storeIds('admin')).toEqual(STORES.map((s) => s.store_veesion_id));
  });

  it('records a claim under the signed-in person, whatever the page sends, and the audit trail under the user', async () => {
    const fresh = await call('token', 'POST', `/api/v1/stores/${A}/test-alert`, { cameraId: 'cam-claim' });
    const alertId = fresh.body.alertId as string;
    await waitFor(
      async () => Boolean((await call('token', 'GET', `/api/v1/alerts/${alertId}`)).body.incident),
      20_000,
      'the incident',
    );
    const claimed = await call(sessions.storeA, 'POST', `/api/v1/incidents/${alertId}/claim`, {
      by: 'Giulia (Trento)',
    });
    expect(claimed.status).toBe(200);
    expect((claimed.body.incident as { claimedBy: string }).claimedBy).toBe('storeA person');
    const trail = (await call('token', 'GET', '/api/v1/audit?since=1h')).body.entries as {
      actor: string;
      via: string;
      action: string;
    }[];
    expect(trail).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actor: 'storea',
          via: 'console',
          action: `POST /api/v1/incidents/${alertId}/claim`,
          detail: {},
        }),
      ]),
    );
  });

  it('sends a stream only the changes of its stores, each naming its store', async () => {
    const open = (who: Session) => {
      let text = '';
      const req = http.get(`${w.base}/api/v1/events/stream`, { headers: { cookie: who.cookie } }, (res) => {
        res.on('data', (c: Buffer) => (text += c.toString()));
      });
      req.on('error', () => undefined);
      return { text: () => text, close: () => req.destroy() };
    };
    const mine = open(sessions.storeA);
    const all = open(sessions.manager);
    try {
      await waitFor(() => mine.text().includes('hello') && all.text().includes('hello'), 10_000, 'both streams open');
      await call('token', 'POST', `/api/v1/stores/${B}/test-alert`, {});
      await waitFor(() => all.text().includes(`"${B}"`), 20_000, "the manager hears of store B's alert");
      await call('token', 'POST', `/api/v1/stores/${A}/test-alert`, {});
      await waitFor(() => mine.text().includes(`"${A}"`), 20_000, "the store's person hears of store A's alert");
      expect(mine.text()).not.toContain(`"${B}"`);
    } finally {
      mine.close();
      all.close();
    }
  });

  it("a user's API token acts as the user, within the role and stores, until it is revoked", async () => {
    const made = await cli(['users', 'token', 'storeA', '--label', 'shift report', '--json']);
    expect(made.code).toBe(0);
    const { id, token } = (JSON.parse(made.stdout) as { result: { id: string; token: string } }).result;
    expect(token).toMatch(/^vbu_/);
    const listed = await cli(['users', 'token', 'storea', '--list']);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain('shift report');
    expect(listed.stdout).not.toContain(token);
    const asToken = async (method: string, path: string, body?: unknown) =>
      (
        await fetch(`${w.base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            'x-forwarded-for': '198.51.100.7',
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        })
      ).status;
    expect(await asToken('GET', `/api/v1/alerts?store=${A}`)).toBe(200);
    expect(await asToken('GET', `/api/v1/alerts?store=${B}`)).toBe(403);
    expect(await asToken('POST', `/api/v1/stores/${A}/test-alert`, {})).toBe(403);
    expect(await asToken('GET', '/metrics')).toBe(403);
    expect(await asToken('POST', `/api/v1/incidents/${b().incidentId}/resolve`, { outcome: 'theft' })).toBe(403);
    // A stream opened with the token ends with it.
    let ended = false;
    const stream = http.get(
      `${w.base}/api/v1/events/stream`,
      { headers: { authorization: `Bearer ${token}` } },
      (res) => {
        expect(res.statusCode).toBe(200);
        res.resume();
        res.on('end', () => (ended = true));
        res.on('close', () => (ended = true));
      },
    );
    stream.on('error', () => (ended = true));
    await new Promise((r) => setTimeout(r, 500));
    expect(ended).toBe(false);
    expect((await cli(['users', 'token', 'storea', '--revoke', id])).code).toBe(0);
    await waitFor(() => ended, 10_000, "the revoked token's stream ended");
    expect(await asToken('GET', `/api/v1/alerts?store=${A}`)).toBe(403);
    expect(await asToken('GET', '/api/v1/incidents')).toBe(403);
  });

  it("ends a user's sessions when the password is set again or the user is removed; the others go on", async () => {
    const second = await signIn({ user: 'managerA', password: passwords.managerA });
    expect(second.status).toBe(200);
    const changed = await cli(['users', 'passwd', 'managera'], 'a-new-password-for-manager-a\n');
    expect(changed.code).toBe(0);
    for (const s of [sessions.managerA, second.session])
      expect((await call(s, 'GET', '/api/v1/incidents')).status).toBe(401);
    expect((await signIn({ user: 'managera', password: passwords.managerA })).status).toBe(401);
    const again = await signIn({ user: 'managera', password: 'a-new-password-for-manager-a' });
    expect(again.status).toBe(200);
    expect((await call(again.session, 'GET', '/api/v1/incidents')).status).toBe(200);

    expect((await cli(['users', 'remove', 'managera'])).code).toBe(0);
    expect((await call(again.session, 'GET', '/api/v1/incidents')).status).toBe(401);
    expect((await call(sessions.storeA, 'GET', '/api/v1/incidents')).status).toBe(200);
  });

  it('limits wrong passwords per user without locking out the others behind the same address', async () => {
    for (let i = 0; i < 5; i++)
      expect((await signIn({ user: 'storea', password: `wrong-${i}-password` })).status).toBe(401);
    const locked = await signIn({ user: 'storea', password: passwords.storeA });
    expect(locked.status).toBe(429);
    // Same address (no trusted proxy: every request here is 127.0.0.1), another user.
    expect((await signIn({ user: 'manager', password: passwords.manager })).status).toBe(200);
    expect((await signIn({ token: ADMIN })).status).toBe(200);
    // An unknown user is refused as a wrong password is, with the same words.
    const unknown = await signIn({ user: 'nobody-here', password: 'whatever-it-is' });
    expect([unknown.status, unknown.data.error]).toEqual([401, 'wrong user name or password']);
  });
});
