import pg, { type Client } from 'pg';

export interface ListenHandlers {
  /** A notification's payload. */
  onNotify: (payload: string | undefined) => void;
  /** LISTEN took effect, at first and after each reconnection: what was said before is missed. */
  onListening: () => void;
  onError: (err: unknown) => void;
}

/**
 * Hears `channel` on a connection of its own (LISTEN cannot share a pooled one), and connects
 * again a second after the server went away. The live connection is kept in `open` while it
 * lasts, for the journal's close. Returns the stop function.
 */
export function listenOn(url: string, channel: string, open: Set<Client>, on: ListenHandlers): () => Promise<void> {
  let stopped = false;
  let current: Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const connect = async () => {
    if (stopped) return;
    // Keepalives from 10 s: a connection dropped without a word (a NAT, a failover) is noticed.
    const client = new pg.Client({
      connectionString: url,
      application_name: 'veesion-bridge listener',
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: 10_000,
    });
    const lost = (err?: unknown) => {
      if (current !== client) return;
      current = undefined;
      open.delete(client);
      if (err) on.onError(err);
      void client.end().catch(() => undefined);
      if (!stopped) retry = setTimeout(() => void connect(), 1000);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (n) => on.onNotify(n.payload));
    current = client;
    open.add(client);
    try {
      await client.connect();
      await client.query(`LISTEN ${channel}`);
      on.onListening();
    } catch (err) {
      lost(err);
    }
  };
  void connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    const c = current;
    current = undefined;
    if (c) {
      open.delete(c);
      await c.end().catch(() => undefined);
    }
  };
}
