import express, { type Request, type Response, type Router } from 'express';
import { requireAdmin, type AdminAuthDeps } from './admin-auth';

/** What changed: a step of an alert, an incident, or the stores (a reload or a silence). */
export type ChangeKind = 'step' | 'incident' | 'store';

interface Subscriber {
  change(kinds: ChangeKind[]): void;
  end(): void;
}

/** Clients at most: a console is a handful of people. */
const MAX_CLIENTS = 50;
/** Changes within this are sent as one message: a burst of step events is one refresh. */
const COALESCE_MS = 200;
const HEARTBEAT_MS = 15_000;

/**
 * Tells watching consoles that something changed, so they fetch again from the admin API: a
 * nudge, not the data (the API stays the one way to read). Changes are coalesced per client.
 */
export class ChangeFeed {
  private readonly subscribers = new Set<Subscriber>();

  publish(kind: ChangeKind): void {
    for (const s of this.subscribers) s.change([kind]);
  }

  get clients(): number {
    return this.subscribers.size;
  }

  /** Ends every stream (the daemon stops: browsers reconnect to the next one). */
  close(): void {
    for (const s of [...this.subscribers]) s.end();
    this.subscribers.clear();
  }

  /** `GET /api/v1/events/stream`: server-sent events `change` with `{kinds}`; a comment every 15 s keeps proxies from closing it. */
  router(auth: AdminAuthDeps): Router {
    const router = express.Router();
    router.get('/api/v1/events/stream', requireAdmin(auth), (req: Request, res: Response) => {
      if (this.subscribers.size >= MAX_CLIENTS) return void res.status(503).json({ error: `at most ${MAX_CLIENTS} consoles watch at once` });
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no', Connection: 'keep-alive' });
      res.write('retry: 1000\n\n');
      res.write('event: hello\ndata: {}\n\n');
      let pending: Set<ChangeKind> | undefined;
      let timer: NodeJS.Timeout | undefined;
      const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS).unref();
      const subscriber: Subscriber = {
        change: (kinds) => {
          if (!pending) pending = new Set();
          for (const k of kinds) pending.add(k);
          timer ??= setTimeout(() => {
            timer = undefined;
            const sent = [...(pending ?? [])];
            pending = undefined;
            res.write(`event: change\ndata: ${JSON.stringify({ kinds: sent })}\n\n`);
          }, COALESCE_MS);
        },
        end: () => res.end(),
      };
      this.subscribers.add(subscriber);
      const gone = () => {
        clearInterval(heartbeat);
        clearTimeout(timer);
        this.subscribers.delete(subscriber);
      };
      res.on('close', gone);
      req.socket.setTimeout(0);
    });
    return router;
  }
}
