import { afterFailure, parseRetryAfter, MAX_RETRY_AFTER_MS } from '../../../src/integrations/delivery-schedule';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DELAYS = [0, MIN, 10 * MIN, HOUR, 24 * HOUR];

describe('afterFailure', () => {
  it('retries an event tried on time at 1 min, 10 min, 1 h and 24 h, and gives up after the fifth attempt', () => {
    const t0 = 5_000_000;
    let now = t0;
    const at: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      const next = afterFailure(DELAYS, attempt, t0, now);
      if (next.kind !== 'retry') throw new Error(`attempt ${attempt}: ${next.reason}`);
      at.push(next.at - t0);
      now = next.at + 15; // attempts run a little late
    }
    expect(at).toEqual([MIN, 11 * MIN + 15, 71 * MIN + 30, 25 * HOUR + 11 * MIN + 45]);
    expect(afterFailure(DELAYS, 5, t0, now)).toEqual({ kind: 'dead', reason: 'gave up after 5 attempts' });
  });

  it('waits for Retry-After when it asks for longer, never less than the schedule, at most 24 h', () => {
    expect(afterFailure(DELAYS, 1, 0, 0, 120_000)).toEqual({ kind: 'retry', at: 120_000 });
    expect(afterFailure(DELAYS, 1, 0, 0, 5_000)).toEqual({ kind: 'retry', at: MIN });
    expect(afterFailure(DELAYS, 1, 0, 0, 7 * 24 * HOUR)).toEqual({ kind: 'retry', at: MAX_RETRY_AFTER_MS });
  });

  it('gives an event that waited longer than the whole schedule behind others a single attempt', () => {
    const window = DELAYS.reduce((a, b) => a + b);
    expect(afterFailure(DELAYS, 1, 0, window - 1)).toMatchObject({ kind: 'retry' });
    expect(afterFailure(DELAYS, 1, 0, window)).toMatchObject({
      kind: 'dead',
      reason: expect.stringContaining('older than its whole retry schedule'),
    });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-22T10:00:00Z');
  it('reads delay seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sun, 22 Nov 2026 10:05:00 GMT', now)).toBe(300_000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });
  it('ignores what is not one of the two forms', () => {
    for (const v of [
      undefined,
      '',
      '-5',
      '1.5',
      'soon',
      '99999999999',
      'Sun, 22 Nov 2026 10:05:00 CET',
      '2026-11-22T10:05:00Z',
    ]) {
      expect(parseRetryAfter(v, now)).toBeUndefined();
    }
  });
});
