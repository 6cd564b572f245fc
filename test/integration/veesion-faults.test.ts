import { bootWorld, fixture, STORES } from '../helpers/world';
import { waitFor } from '../helpers/quiet-logger';

/**
 * Veesion failing under a running daemon: tokens expiring and revoked mid-run, 5xx bursts and
 * slow answers. The session recovers by itself, hooks are posted once per store per run, and
 * alerts keep being announced and posted throughout. The whole log is checked for secrets.
 */
describe('a Veesion outage never stops the alert path', () => {
  it('survives expiry, 401, 5xx bursts and slow answers; hooks once per store; no secret in the log', async () => {
    const w = await bootWorld(
      {},
      {
        before: (world) => {
          world.klaxon.tokenLifetimeS = 3; // expires mid-run, over and over
          world.klaxon.failNextOn('/hooks', 1, 503); // the first hook registration fails
        },
        // No renewal margin: the token really runs out and the 401 path must recover.
        daemon: {
          veesion: { session: { renewMarginMs: 0, backoff: { initialMs: 100, maxMs: 400 } }, hookRetryMs: 200 },
        },
      },
    );
    const { world, daemon } = w;
    let n = 0;
    /**
     * Posts an alert to the next store and waits for both steps: each succeeds at its first
     * attempt, so Veesion's trouble neither failed nor held up the alert path.
     */
    const announced = async (): Promise<void> => {
      const id = `vf-${++n}`;
      // Each to another store: one conference holds announcements apart by their length.
      const location = STORES[n % STORES.length]?.store_veesion_id;
      expect((await w.post({ ...fixture('alert-snakecase.json'), alert_uuid: id, location })).status).toBe(200);
      expect((await w.finished(id)).map((s) => [s.state, s.attempts])).toEqual([
        ['succeeded', 1],
        ['succeeded', 1],
      ]);
    };
    const renewals = async (outcome: 'ok' | 'failed') =>
      (await daemon.metrics.tokenRenewals.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
    try {
      // Hooks: the failed store is retried alone; every store is posted exactly once.
      await waitFor(() => world.klaxon.hookCalls.length >= STORES.length, 5_000, 'hooks registered');
      await new Promise((r) => setTimeout(r, 600)); // room for a wrong second round
      const perStore = (calls: typeof world.klaxon.hookCalls) =>
        STORES.map((s) => calls.filter((c) => c.store_veesion_id === s.store_veesion_id).length);
      expect(perStore(world.klaxon.hookCalls)).toEqual([1, 1, 1, 1]);

      // Expiry mid-run: after 3 s the token is gone; the session signs in again by itself.
      await announced();
      await waitFor(() => world.klaxon.logins >= 3, 10_000, 'renewals after expiry');

      // Revoked sessions (401): the next call signs in again and succeeds; a reload re-posts the hooks once each.
      world.klaxon.revokeTokens();
      const hooksBefore = world.klaxon.hookCalls.length;
      daemon.reload();
      await waitFor(() => world.klaxon.hookCalls.length >= hooksBefore + STORES.length, 5_000, 'hooks after 401');
      expect(perStore(world.klaxon.hookCalls.slice(hooksBefore))).toEqual([1, 1, 1, 1]);

      // A 5xx burst: sign-ins fail and back off, alerts are unaffected, the session comes back.
      const failedBefore = await renewals('failed');
      const loginsBefore = world.klaxon.logins;
      world.klaxon.failNext(8, 502);
      await waitFor(async () => (await renewals('failed')) > failedBefore, 10_000, 'a failed renewal');
      await announced();
      await waitFor(() => world.klaxon.logins > loginsBefore, 15_000, 'sign-in after the burst');

      // Veesion stops answering: an alert goes through while a sign-in is still waiting.
      world.klaxon.hold();
      await waitFor(() => world.klaxon.heldCount > 0, 15_000, 'a Veesion call left unanswered');
      await announced();
      expect(world.klaxon.heldCount).toBeGreaterThan(0);
      world.klaxon.release();
      await waitFor(() => daemon.klaxon?.tokenValid === true, 10_000, 'token valid again');

      const log = w.logLines().join('\n');
      expect(log).toContain('Veesion unreachable');
      expect(log).toContain('Veesion reachable again');
      expect(log).toContain('hook registration failed');
      const secrets = [
        world.klaxon.password,
        world.hookToken,
        world.amiSecret,
        world.xbees.token,
        ...world.klaxon.issued,
      ];
      expect(world.klaxon.issued.length).toBeGreaterThanOrEqual(4);
      for (const secret of secrets) expect(log).not.toContain(secret);
    } finally {
      await w.stop();
    }
  }, 90_000);
});
