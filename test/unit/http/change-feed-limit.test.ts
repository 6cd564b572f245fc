import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ChangeFeed } from '../../../src/http/change-feed';
import { waitFor } from '../../helpers/quiet-logger';

const ADMIN = 'feed-limit-admin-token-0123456789';

/** BRIDGE_CONSOLE_STREAMS: how many live-update streams a daemon keeps open at once. */
describe('the change streams a daemon keeps open at once', () => {
  it('admits up to its limit, answers one more 503 saying which setting, and admits again once one closes', async () => {
    const feed = new ChangeFeed(2);
    const app = express();
    app.use(feed.router({ adminToken: ADMIN }));
    const server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const requests: http.ClientRequest[] = [];
    const open = () =>
      new Promise<number>((resolve) => {
        const req = http.get(
          { host: '127.0.0.1', port, path: '/api/v1/events/stream', headers: { authorization: `Bearer ${ADMIN}` } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        requests.push(req);
      });
    try {
      expect(await open()).toBe(200);
      expect(await open()).toBe(200);
      const refused = await fetch(`http://127.0.0.1:${port}/api/v1/events/stream`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { error: string }).error).toBe(
        'at most 2 consoles watch at once (BRIDGE_CONSOLE_STREAMS)',
      );
      requests[0]?.destroy();
      await waitFor(() => feed.clients === 1, 10_000, 'the closed stream let go');
      expect(await open()).toBe(200);
      expect(feed.clients).toBe(2);
    } finally {
      for (const r of requests) r.destroy();
      feed.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
