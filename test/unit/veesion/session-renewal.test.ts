import { VeesionSession, type SessionClient } from '../../../src/veesion/session';
import { MIN_RENEW_INTERVAL_MS, renewalDueAt, type TokenTimes } from '../../../src/veesion/renewal';
import { ManualClock } from '../../helpers/manual-clock';
import { capturedLogger } from '../../helpers/quiet-logger';

/** The klaxon API as the session sees it, on a manual clock: `expires_in` seconds per token. */
class FakeKlaxon implements SessionClient {
  readonly baseUrl = 'http://klaxon.test';
  readonly signIns: number[] = [];
  userInfos = 0;
  private times: TokenTimes | undefined;
  constructor(
    private readonly clock: ManualClock,
    public lifetimeS: number,
  ) {}
  get tokenValid() {
    return this.times !== undefined && this.clock.now() < this.times.expiresAt;
  }
  get tokenTimes() {
    return this.times && { ...this.times };
  }
  login() {
    const now = this.clock.now();
    this.signIns.push(now);
    this.times = { signedInAt: now, lifetimeMs: this.lifetimeS * 1000, expiresAt: now + this.lifetimeS * 1000 };
    return Promise.resolve();
  }
  remainingSeconds() {
    this.userInfos++;
    return Promise.resolve(((this.times?.expiresAt ?? 0) - this.clock.now()) / 1000);
  }
}

const start = (lifetimeS: number) => {
  const clock = new ManualClock(0);
  const klaxon = new FakeKlaxon(clock, lifetimeS);
  const session = new VeesionSession(klaxon, capturedLogger().logger, { clock });
  session.start();
  return { clock, klaxon, session };
};

describe('when the Veesion token is renewed', () => {
  it('the rule: min(5 min, half the lifetime) before expiry, not sooner than 30 s after sign-in while valid', () => {
    const token = (lifetimeS: number): TokenTimes => ({
      signedInAt: 0,
      lifetimeMs: lifetimeS * 1000,
      expiresAt: lifetimeS * 1000,
    });
    expect(MIN_RENEW_INTERVAL_MS).toBe(30_000);
    expect(renewalDueAt(token(3600), 300_000)).toBe(3300_000); // 5 min left
    expect(renewalDueAt(token(400), 300_000)).toBe(200_000); // half of 400 s left
    expect(renewalDueAt(token(40), 300_000)).toBe(30_000); // half would be 20 s in: held to 30 s
    expect(renewalDueAt(token(6), 300_000)).toBe(6_000); // expires before 30 s: at expiry
  });

  it('a 6 s token over 20 s: signed in at start and each time it expires, 4 times', async () => {
    const { clock, klaxon, session } = start(6);
    await clock.advance(20_000);
    session.stop();
    expect(klaxon.signIns).toEqual([0, 6_000, 12_000, 18_000]);
  });

  it('a 1 h token: renewed with 5 min left, after a check of its remaining life', async () => {
    const { clock, klaxon, session } = start(3600);
    await clock.advance(3300_000 - 1);
    expect(klaxon.signIns).toEqual([0]);
    expect(klaxon.userInfos).toBe(0);
    await clock.advance(1);
    expect(klaxon.signIns).toEqual([0, 3300_000]);
    expect(klaxon.userInfos).toBe(1);
    await clock.advance(2 * 3600_000);
    session.stop();
    expect(klaxon.signIns).toEqual([0, 3300_000, 6600_000, 9900_000]);
  });

  it('a 40 s token is kept 30 s, not renewed at half its life', async () => {
    const { clock, klaxon, session } = start(40);
    await clock.advance(95_000);
    session.stop();
    expect(klaxon.signIns).toEqual([0, 30_000, 60_000, 90_000]);
  });
});
