import express, { type Request, type Response, type Router } from 'express';
import { requireRole, type AdminAuthDeps, type SessionCheck, type SessionRef } from './admin-auth';
import { ADMIN_TOKEN_ACTOR, EVERY_ROLE, principalOf, scopeOf } from './principal';
import { bearerToken } from './token';

/** What changed: a step of an alert, an incident, or the stores (a reload or a silence). */
export type ChangeKind = 'step' | 'incident' | 'store';

interface Subscriber {
  change(kind: ChangeKind, store: string | undefined): void;
  end(): void;
  /** The console session that opened the stream (none: the admin token did). */
  session: SessionRef | undefined;
  /** The stores whose changes it hears; undefined: every store. */
  stores: ReadonlySet<string> | undefined;
  /** The role and stores it was opened with: a stream whose person's change ends it (the page reconnects). */
  scope: string;
  /** A user's API token opened it: whom that token acts as now (undefined: revoked, or its user gone). */
  recheck?: () => Promise<string | undefined>;
}

/** A role and its stores as one comparable value. */
const scopeKey = (role: string, stores: readonly string[]) => `${role}|${[...stores].sort().join(',')}`;

/** Clients at most by default (BRIDGE_CONSOLE_STREAMS): a store's console is a handful of people. */
export const DEFAULT_MAX_STREAMS = 50;
/** Changes within this are sent as one message: a burst of step events is one refresh. */
const COALESCE_MS = 200;
const HEARTBEAT_MS = 15_000;
/** How often the streams' sessions are checked: a stream outlives its session (ended on another daemon too) by a second or so. */
const EXPIRY_CHECK_MS = 1_000;

/**
 * Tells watching consoles that something changed, so they fetch again from the admin API: a
 * nudge, not the data (the API stays the one way to read). Changes are coalesced per client.
 * A stream opened with a console session ends when that session is signed out or expires: a
 * signed-out page must not go on learning what happens. Each change names its store when it has
 * one, and a stream of a person scoped to some stores hears only changes to those stores.
 */
export class ChangeFeed {
  private readonly subscribers = new Set<Subscriber>();

  /** `maxClients`: streams open at once on this daemon; one more is answered 503. */
  constructor(private readonly maxClients = DEFAULT_MAX_STREAMS) {}

  private expiryCheck: NodeJS.Timeout | undefined;
  private readonly unwatch: (() => void)[] = [];

  /**
   * `store`: the store it changed, heard only by streams that cover it. Without one (a reload, a
   * command's change picked up at a rescan) every stream hears it: a nudge to fetch again carries
   * no data, and what is fetched is narrowed to the person's stores.
   */
  publish(kind: ChangeKind, store?: string): void {
    for (const s of this.subscribers) {
      if (s.stores && store !== undefined && !s.stores.has(store)) continue;
      s.change(kind, store);
    }
  }

  get clients(): number {
    return this.subscribers.size;
  }

  /** Ends every stream (the daemon stops: browsers reconnect to the next one). */
  close(): void {
    for (const s of [...this.subscribers]) s.end();
    this.subscribers.clear();
    for (const stop of this.unwatch.splice(0)) stop();
    clearInterval(this.expiryCheck);
    this.expiryCheck = undefined;
  }

  /** Ends the streams of a session signed out. */
  private endSession(id: string): void {
    for (const s of [...this.subscribers]) if (s.session?.id === id) s.end();
  }

  /**
   * Checks the streams opened by a person (a console session, a user's API token) while any is
   * open, and only then: one read for all the sessions. A stream ends when its session or token
   * does, or when its person's role or stores changed (the page opens it again, narrowed anew).
   * A journal that does not answer ends none (the next check asks again).
   */
  private watchStreams(sessions: SessionCheck | undefined): void {
    let checking = false;
    this.expiryCheck ??= setInterval(() => {
      const open = [...this.subscribers].filter((s) => s.session || s.recheck);
      if (open.length === 0) {
        clearInterval(this.expiryCheck);
        this.expiryCheck = undefined;
        return;
      }
      if (checking) return;
      checking = true;
      const bySession = open.filter((s) => s.session);
      const checks = [
        bySession.length && sessions
          ? sessions.lasting(bySession.map((s) => s.session as SessionRef)).then((lasting) => {
              for (const s of bySession) {
                const id = (s.session as SessionRef).id;
                const user = lasting.get(id);
                const now =
                  user === undefined ? undefined : user ? scopeKey(user.role, user.stores) : scopeKey('admin', []);
                if (!lasting.has(id) || now !== s.scope) s.end();
              }
            })
          : Promise.resolve(),
        ...open
          .filter((s) => s.recheck)
          .map(async (s) => {
            if ((await s.recheck?.()) !== s.scope) s.end();
          }),
      ];
      Promise.allSettled(checks).finally(() => {
        checking = false;
      });
    }, EXPIRY_CHECK_MS).unref();
  }

  /** `GET /api/v1/events/stream`: server-sent events `change` with `{kinds, stores}`; a comment every 15 s keeps proxies from closing it. */
  router(auth: AdminAuthDeps): Router {
    const router = express.Router();
    const sessions = auth.sessions;
    if (sessions) this.unwatch.push(sessions.onSignOut((id) => this.endSession(id)));
    router.get('/api/v1/events/stream', requireRole(auth, EVERY_ROLE), (req: Request, res: Response) => {
      if (this.subscribers.size >= this.maxClients)
        return void res.status(503).json({
          error: `at most ${this.maxClients} consoles watch at once (BRIDGE_CONSOLE_STREAMS)`,
        });
      res.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-store',
        'X-Accel-Buffering': 'no',
        Connection: 'keep-alive',
      });
      res.write('retry: 1000\n\n');
      res.write('event: hello\ndata: {}\n\n');
      let pending: Set<ChangeKind> | undefined;
      const pendingStores = new Set<string>();
      let timer: NodeJS.Timeout | undefined;
      const who = principalOf(res);
      const scope = scopeOf(who);
      const token = bearerToken(req.get('authorization'));
      const byUserToken = who !== undefined && !who.session && who.actor !== ADMIN_TOKEN_ACTOR && token !== undefined;
      const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS).unref();
      const subscriber: Subscriber = {
        session: who?.session,
        stores: scope ? new Set(scope) : undefined,
        scope: who ? scopeKey(who.role, who.stores) : '',
        ...(byUserToken && auth.userTokens
          ? {
              recheck: async () => {
                const user = await auth.userTokens?.find(token);
                return user && scopeKey(user.role, user.stores);
              },
            }
          : {}),
        change: (kind, store) => {
          if (!pending) pending = new Set();
          pending.add(kind);
          if (store !== undefined) pendingStores.add(store);
          timer ??= setTimeout(() => {
            timer = undefined;
            const sent = { kinds: [...(pending ?? [])], stores: [...pendingStores] };
            pending = undefined;
            pendingStores.clear();
            res.write(`event: change\ndata: ${JSON.stringify(sent)}\n\n`);
          }, COALESCE_MS);
        },
        // Nothing more is written once it ends: a change already coalesced is dropped too.
        end: () => {
          gone();
          res.end();
        },
      };
      this.subscribers.add(subscriber);
      const gone = () => {
        clearInterval(heartbeat);
        clearTimeout(timer);
        timer = undefined;
        this.subscribers.delete(subscriber);
      };
      res.on('close', gone);
      if (subscriber.session || subscriber.recheck) this.watchStreams(sessions);
      req.socket.setTimeout(0);
    });
    return router;
  }
}
