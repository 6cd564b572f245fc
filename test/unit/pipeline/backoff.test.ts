import { exponentialBackoff, withJitter } from '../../../src/pipeline/backoff';

describe('backoff', () => {
  it('doubles per failure up to the cap', () => {
    expect([0, 1, 2, 3, 10].map((f) => exponentialBackoff(f, 500, 3000))).toEqual([500, 1000, 2000, 3000, 3000]);
  });
  it('jitters within [delay/2, delay]', () => {
    expect(withJitter(1000, () => 0)).toBe(500);
    expect(withJitter(1000, () => 0.999999)).toBe(1000);
  });
});
