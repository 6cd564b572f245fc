import type { SimWorld } from '../../src/sim/sim-world';
import { usePostgres } from '../helpers/postgres';
import { SharedDaemons } from '../helpers/shared-daemons';

/**
 * The helper's `stop()` comes before the PostgreSQL server's fast shutdown in afterAll. A test
 * connection still open then is cut, and its error, unheard, fails the whole file though every
 * test passed. The server process of the test's connection is paused so that it reads the
 * connection's goodbye only after `stop()` was called: closed, or heard, either way nothing escapes.
 */
describe("the shared daemons' helper", () => {
  const pg = usePostgres();

  it('closes its connections before stop() returns, so the server can be shut down after', async () => {
    const shared = await SharedDaemons.for({ httpPort: 0 } as SimWorld, '/nonexistent', await pg.fresh());
    const backend = Number((await shared.db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid);
    process.kill(backend, 'SIGSTOP');
    setTimeout(() => process.kill(backend, 'SIGCONT'), 500);
    // A connection left open fails this file (not this test) when afterAll shuts the server down.
    await shared.stop();
  });
});
